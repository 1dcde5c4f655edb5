package synth

import (
	_ "embed"
	"encoding/csv"
	"strconv"
	"strings"
)

// Track values of a quota row, as offices write them.
const (
	trackMale   = "男兵"
	trackFemale = "女兵"
)

// ethnicSharesCSV gives, by province, the share of each ethnic minority in
// its population (rounded from the 2020 census, 第七次全国人口普查): Henan
// (41) has few, mostly 回族; Yunnan (53) has about a third, of more than
// twenty peoples. Province 00 is the national mix, for every province not
// listed.
//
//go:embed data/ethnic_shares.csv
var ethnicSharesCSV string

type peopleShare struct {
	name  string
	share float64
}

// minorityShares are the province's minorities and shares, else the
// national mix.
func minorityShares(province string) []peopleShare {
	recs, err := csv.NewReader(strings.NewReader(ethnicSharesCSV)).ReadAll()
	if err != nil {
		panic("synth: data/ethnic_shares.csv: " + err.Error()) // embedded, checked by TestMinorityShares
	}
	by := map[string][]peopleShare{}
	for _, r := range recs[1:] {
		x, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			panic("synth: data/ethnic_shares.csv: " + err.Error())
		}
		by[r[0]] = append(by[r[0]], peopleShare{r[1], x})
	}
	if s, ok := by[province]; ok {
		return s
	}
	return by["00"]
}
