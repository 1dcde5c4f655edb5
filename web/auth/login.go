package auth

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"enlist/web/audit"
)

// Routes registers the login form (GET and POST /login) and logging out
// (POST /logout) on mux.
func (g *Guard) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", g.loginForm)
	mux.HandleFunc("POST /login", g.login)
	mux.HandleFunc("POST /logout", g.logout)
}

// Lang is the language a request asks for: "en" with ?lang=en, else "zh".
func Lang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "en" {
		return "en"
	}
	return "zh"
}

func langOf(r *http.Request) string { return Lang(r) }

// loginPage is what the login template shows.
type loginPage struct {
	Lang, Name, Next, Error string
	T                       texts
	OtherLang               string // the link to the form in the other language
}

// forbiddenPage is what the 403 template shows.
type forbiddenPage struct {
	Lang, Reason string
	User         User
	RoleLabel    string
	T            texts
	Home         string
}

// texts are a page's fixed words in one language.
type texts struct {
	Title, Heading, Name, Password, Submit, Switch   string
	ForbiddenTitle, SignedInAs, Region, Home, Logout string
}

var zhTexts = texts{
	Title: "enlist 征兵数据 — 登录", Heading: "登录", Name: "用户名", Password: "密码", Submit: "登录", Switch: "English",
	ForbiddenTitle: "无权访问", SignedInAs: "当前用户", Region: "区划", Home: "返回首页", Logout: "退出登录",
}

var enTexts = texts{
	Title: "enlist conscription data — log in", Heading: "Log in", Name: "User name", Password: "Password", Submit: "Log in", Switch: "中文",
	ForbiddenTitle: "Forbidden", SignedInAs: "Signed in as", Region: "region", Home: "Home", Logout: "Log out",
}

func textsFor(lang string) texts {
	if lang == "en" {
		return enTexts
	}
	return zhTexts
}

const pageStyle = `<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#222;margin:0}
main{max-width:22rem;margin:12vh auto;background:#fff;padding:2rem;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 1.2rem}
label{display:block;margin:.8rem 0 .3rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.2rem;padding:.5rem 1.4rem;font-size:1rem;cursor:pointer}
.error{color:#b00020;background:#fdecee;padding:.6rem;border-radius:4px}
.lang{float:right;font-size:.9rem}
</style>`

// The templates are html/template: every value is escaped for where it
// stands, so a typed-in name such as <script> is shown as text.
var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="{{if eq .Lang "en"}}en{{else}}zh-CN{{end}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.Title}}</title>` + pageStyle + `</head>
<body><main>
<a class="lang" href="{{.OtherLang}}">{{.T.Switch}}</a>
<h1>{{.T.Heading}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login{{if eq .Lang "en"}}?lang=en{{end}}">
<input type="hidden" name="next" value="{{.Next}}">
<label for="name">{{.T.Name}}</label>
<input type="text" id="name" name="name" value="{{.Name}}" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">{{.T.Password}}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">{{.T.Submit}}</button>
</form>
</main></body></html>
`))

var forbiddenTemplate = template.Must(template.New("forbidden").Parse(`<!DOCTYPE html>
<html lang="{{if eq .Lang "en"}}en{{else}}zh-CN{{end}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.ForbiddenTitle}}</title>` + pageStyle + `</head>
<body><main>
<h1>{{.T.ForbiddenTitle}}</h1>
<p class="error" role="alert">{{.Reason}}</p>
{{if .User.Name}}<p>{{.T.SignedInAs}}: {{.User.Name}} ({{.RoleLabel}}, {{.T.Region}} {{.User.Region}})</p>
<form method="post" action="/logout{{if eq .Lang "en"}}?lang=en{{end}}"><a href="{{.Home}}">{{.T.Home}}</a> <button type="submit">{{.T.Logout}}</button></form>
{{else}}<p><a href="{{.Home}}">{{.T.Home}}</a></p>{{end}}
</main></body></html>
`))

func (g *Guard) loginForm(w http.ResponseWriter, r *http.Request) {
	g.renderLogin(w, r, http.StatusOK, "", "")
}

func (g *Guard) renderLogin(w http.ResponseWriter, r *http.Request, status int, name, msg string) {
	lang := langOf(r)
	next := safeNext(r.FormValue("next"))
	other := url.Values{"next": {next}}
	if lang != "en" {
		other.Set("lang", "en")
	}
	p := loginPage{Lang: lang, Name: name, Next: next, Error: msg, T: textsFor(lang), OtherLang: "/login?" + other.Encode()}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	loginTemplate.Execute(w, p)
}

func (g *Guard) renderForbidden(w http.ResponseWriter, r *http.Request, u User, reason string) {
	lang := langOf(r)
	home := "/"
	if lang == "en" {
		home = "/?lang=en"
	}
	p := forbiddenPage{Lang: lang, Reason: reason, User: u, RoleLabel: u.Role.Label(lang), T: textsFor(lang), Home: home}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusForbidden)
	forbiddenTemplate.Execute(w, p)
}

func roleMessage(r *http.Request, min Role) string {
	lang := langOf(r)
	if lang == "en" {
		return fmt.Sprintf("This page needs the role %s or above.", min.Label(lang))
	}
	return fmt.Sprintf("此页面需要「%s」及以上角色。", min.Label(lang))
}

func crossSiteMessage(r *http.Request) string {
	if langOf(r) == "en" {
		return "A request from another site was refused. Open the console from its own address and try again."
	}
	return "来自其他网站的请求已被拒绝。请从本系统页面重新操作。"
}

func (g *Guard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad login form", http.StatusBadRequest)
		return
	}
	lang := langOf(r)
	typed := r.PostFormValue("name")
	name := normName(typed)
	password := r.PostFormValue("password")
	addr := g.ClientAddr(r)
	// The audit trail names an account only when it exists: an unknown
	// "name" may be a password typed into the wrong box.
	who := ""
	if _, ok := g.acc.Lookup(name); ok {
		who = name
	}
	fail := func(status int, reason, msg string) {
		g.audit.Record(audit.Entry{Time: g.opts.Now(), User: who, Addr: addr, Action: audit.LoginFailed, Target: reason, Status: status})
		g.renderLogin(w, r, status, typed, msg)
	}

	if wait := g.lockedFor(name, addr); wait > 0 {
		mins := int((wait + time.Minute - 1) / time.Minute)
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		fail(http.StatusTooManyRequests, "locked", pick(lang == "en",
			fmt.Sprintf("Too many failed logins: locked for now. Try again in %d minutes.", mins),
			fmt.Sprintf("登录失败次数过多，已暂时锁定，请 %d 分钟后再试。", mins)))
		return
	}
	su, err := g.acc.check(name, password)
	switch {
	case errors.Is(err, ErrBadCredentials):
		delay := g.failed(name, addr, who != "")
		g.opts.Sleep(r.Context(), delay)
		fail(http.StatusUnauthorized, "bad_credentials", pick(lang == "en", "Wrong user name or password.", "用户名或密码错误。"))
		return
	case errors.Is(err, ErrDisabled):
		fail(http.StatusForbidden, "disabled", pick(lang == "en", "This account is disabled; ask your administrator.", "该账户已停用，请联系管理员。"))
		return
	case err != nil:
		fail(http.StatusInternalServerError, "accounts_unreadable", pick(lang == "en",
			"The accounts file cannot be read; ask your administrator.", "账户文件无法读取，请联系管理员。"))
		return
	}
	g.succeeded(name)
	if err := g.newSession(w, r, su); err != nil {
		fail(http.StatusInternalServerError, "session", pick(lang == "en", "Could not start a session; try again.", "无法建立会话，请重试。"))
		return
	}
	g.audit.Record(audit.Entry{Time: g.opts.Now(), User: su.Name, Addr: addr, Action: audit.Login, Status: http.StatusSeeOther})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (g *Guard) logout(w http.ResponseWriter, r *http.Request) {
	user := g.endSession(r)
	g.clearCookie(w, r)
	if user != "" {
		g.audit.Record(audit.Entry{Time: g.opts.Now(), User: user, Addr: g.ClientAddr(r), Action: audit.Logout, Status: http.StatusSeeOther})
	}
	to := "/login"
	if langOf(r) == "en" {
		to += "?lang=en"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext keeps a post-login destination on this site: a path, never
// another host ("//evil.example", "https://…", "/\evil.example").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\x00") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
