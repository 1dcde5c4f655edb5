package auth

import (
	"fmt"
	"strings"
)

// Role is what an account may do (SPEC §10). Each role may do everything
// the ones below it may: Leader < Analyst < Operator < Admin. The zero
// Role is no role at all, below Leader, so a User that was never filled in
// passes no check.
type Role int

const (
	Leader   Role = iota + 1 // 领导: bulletins and figures of their region and below
	Analyst                  // 分析员: + data quality, the data dictionary
	Operator                 // 操作员: + runs, files, re-running a job
	Admin                    // 管理员: + accounts
)

var roleNames = map[Role]string{Leader: "leader", Analyst: "analyst", Operator: "operator", Admin: "admin"}

// Roles lists the roles from the least to the most allowed.
func Roles() []Role { return []Role{Leader, Analyst, Operator, Admin} }

// ParseRole reads a role's name as the command line and the accounts file
// write it: leader, analyst, operator or admin.
func ParseRole(s string) (Role, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for r, name := range roleNames {
		if name == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("role %q: use leader, analyst, operator or admin", s)
}

// String is the role's name: leader, analyst, operator or admin.
func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Valid tells whether r is one of the four roles.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// AtLeast tells whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r >= min }

// Label is the role's name for a page: Chinese, or English when lang is "en".
func (r Role) Label(lang string) string {
	en := lang == "en"
	switch r {
	case Leader:
		return pick(en, "Leader", "领导")
	case Analyst:
		return pick(en, "Analyst", "分析员")
	case Operator:
		return pick(en, "Operator", "操作员")
	case Admin:
		return pick(en, "Admin", "管理员")
	}
	return pick(en, "no role", "无角色")
}

func pick(en bool, english, chinese string) string {
	if en {
		return english
	}
	return chinese
}

// MarshalText writes the role's name, so the accounts file reads "admin",
// not a number whose meaning depends on this file's order.
func (r Role) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("role %d is not one of leader, analyst, operator, admin", int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
