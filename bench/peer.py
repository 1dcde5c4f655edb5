#!/usr/bin/python3
"""The peer of `enlist bench`: what an analyst in a conscription office would
write with pandas and openpyxl (Debian's python3-pandas, python3-openpyxl)
to do enlist's job by hand, so that enlist's speed has an honest yardstick.

It reads every CSV extract under the --extracts folders (in the order given,
files in name order, as `enlist ingest` loads them), checks every row as
enlist does (identity number length, characters, ISO 7064 MOD 11-2 check
character and embedded birth date; dates parse and are plausible; values in
the vocabularies; region codes; duplicates within a file), replaces each
person's identity number with a keyed pseudonym (HMAC-SHA256 under
ENLIST_SECRET, the first 16 bytes, as enlist does), works out the per-county
figures of one season as of a date (SPEC §7: each person once, in the region
of the latest registration; the latest exam result of each type; approvals
and returns by their dates), and writes an XLSX bulletin of the counties and
figures.csv, which the bench compares with enlist's figures.

A later file that covers one county (a county re-sending its roll or exam
sheet) takes the place of that county's rows in the earlier, wider files of
the same kind, exam type and season: SPEC §4's delivery rule.

    ENLIST_SECRET=... /usr/bin/python3 peer.py --extracts DIR [--extracts DIR]... \
        --year 2025 --season 2 --as-of 2025-08-31 --out DIR
"""

import argparse
import glob
import hashlib
import hmac
import os
import sys

import pandas as pd

# Header spellings → canonical columns, as the synthetic extracts write them.
COLUMNS = {
    "身份证号": "id_number", "姓名": "name", "性别": "gender", "出生日期": "birth_date", "民族": "ethnicity",
    "区划代码": "region_code", "文化程度": "education", "学业状态": "student_status", "专业类别": "major_category",
    "毕业院校": "school", "登记日期": "registered_on", "是否报名": "applied", "年度": "year", "批次": "season",
    "检查类型": "exam_type", "检查日期": "exam_date", "结论": "result", "不合格原因": "reason",
    "体检站": "station", "考核单位": "station",
    "批准入伍日期": "approved_on", "军兵种": "branch", "起运交接日期": "handover_on", "退兵日期": "returned_on",
    "退兵原因": "return_reason", "是否有责": "return_responsible",
    "安置地区划代码": "region_code", "人员类别": "service_type", "退役日期": "discharged_on", "安置方式": "plan",
    "安置日期": "placed_on", "接收单位": "employer", "劳动合同年限": "contract_years",
    "一次性经济补助金额": "subsidy_amount", "补助发放日期": "subsidy_paid_on",
    "区划名称": "region_name", "征集任务数": "quota", "大学生比例目标": "college_target",
    "大学毕业生比例目标": "graduate_target", "征集类别": "track",
}

# Value vocabularies (the spellings offices use) → codes.
VOCAB = {
    "gender": {"男": "male", "男性": "male", "女": "female", "女性": "female"},
    "education": {"小学": "primary", "初中": "junior_high", "高中": "high_school", "中专": "secondary_vocational",
                  "中职": "secondary_vocational", "职高": "secondary_vocational", "大专": "associate",
                  "高职": "associate", "专科": "associate", "本科": "bachelor", "硕士": "master",
                  "研究生": "master", "博士": "doctor"},
    "student_status": {"在校生": "in_school", "在读": "in_school", "应届毕业生": "fresh_graduate", "应届": "fresh_graduate",
                       "往届毕业生": "past_graduate", "往届": "past_graduate", "非学生": "non_student"},
    "major_category": {**{m: "stem" for m in ["理工", "理工类", "理科", "工科", "理学", "工学", "农学", "医学"]},
                       **{m: "non_stem" for m in ["文科", "文史类", "哲学", "经济学", "法学", "教育学", "文学",
                                                  "历史学", "管理学", "艺术学", "军事学"]}},
    "applied": {"是": True, "否": False},
    "season": {"1": 1, "2": 2, "上半年": 1, "下半年": 2},
    "exam_type": {"体检": "physical", "体格检查": "physical", "政考": "political", "政治考核": "political",
                  "役前教育": "pretraining", "役前训练": "pretraining"},
    "result": {"合格": True, "通过": True, "是": True, "不合格": False, "未通过": False, "否": False},
    "return_responsible": {"有责": True, "是": True, "无责": False, "否": False},
    "service_type": {"义务兵": "conscript", "士官": "nco"},
    "track": {"男兵": "male", "男": "male", "女兵": "female", "女": "female"},
    "plan": {"自主就业": "self_employed", "安排工作": "assigned_job", "退休": "retired", "供养": "supported",
             "逐月领取退役金": "other"},
}

REQUIRED = {
    "registrations": ["id_number", "region_code", "registered_on"],
    "exams": ["id_number", "exam_type", "exam_date", "result"],
    "approvals": ["id_number", "approved_on"],
    "resettlement": ["id_number", "region_code", "discharged_on", "plan"],
    "quotas": ["year", "season", "region_code", "quota"],
}

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_problem(n):
    """Why an identity number is bad, or None (GB 11643, ISO 7064 MOD 11-2)."""
    if not isinstance(n, str) or len(n) != 18:
        return "bad_id_length"
    body = n[:17]
    if not body.isdigit() or not (n[17].isdigit() or n[17] in "Xx"):
        return "bad_id_chars"
    if CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11] != n[17].upper():
        return "bad_id_check"
    try:
        pd.Timestamp(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return "bad_id_birth"
    return None


def parse_dates(s):
    """Dates as 2025-03-05, 2025/3/5, 2025年3月5日 or 20250305; NaT if none."""
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    rest = out.isna() & s.notna()
    for fmt in ("%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d"):
        if not rest.any():
            break
        out[rest] = pd.to_datetime(s[rest], format=fmt, errors="coerce")
        rest = out.isna() & s.notna()
    # Plausible years only.
    out[(out.dt.year < 1950) | (out.dt.year > 2100)] = pd.NaT
    return out


class Extracts:
    def __init__(self, key):
        self.key = key
        self.frames = {k: [] for k in REQUIRED}
        self.rejects = 0
        self.read = 0
        self.order = 0  # files in load order, for "latest"
        self._regions = None  # person, year, season → region of the latest registration

    def pseudonym(self, n):
        return hmac.new(self.key, n.upper().encode(), hashlib.sha256).hexdigest()[:32]

    def load(self, path):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        df = df.rename(columns=COLUMNS)
        if "院校代码" in df.columns and "身份证号" not in df.columns:
            return  # a university list (高校名单): no county figure reads it
        kind = self.kind_of(df)
        if kind is None:
            raise SystemExit(f"{path}: cannot tell the kind of extract from its headers")
        missing = [c for c in REQUIRED[kind] if c not in df.columns]
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}")
        self.read += len(df)
        df["source_row"] = range(2, len(df) + 2)
        bad = pd.Series(False, index=df.index)
        if "id_number" in df.columns:
            ids = df["id_number"].str.strip()
            bad |= ids.map(id_problem).notna()
            df["person"] = [self.pseudonym(n) if not b else None for n, b in zip(ids, bad)]
            df["birth_year"] = pd.to_numeric(ids.str[6:10], errors="coerce")
            df["id_county"] = ids.str[:6]
            df = df.drop(columns=["id_number", "name"], errors="ignore")
        for col in ("registered_on", "exam_date", "approved_on", "discharged_on"):
            if col in df.columns:
                df[col] = parse_dates(df[col])
                bad |= df[col].isna()
        for col in ("handover_on", "returned_on", "placed_on", "subsidy_paid_on", "birth_date"):
            if col in df.columns:
                given = df[col].notna()
                df[col] = parse_dates(df[col])
                bad |= given & df[col].isna()
        for col, vocab in VOCAB.items():
            if col in df.columns:
                given = df[col].notna()
                df[col] = df[col].map(vocab)
                bad |= given & df[col].isna()
        if "region_code" in df.columns:
            rc = df["region_code"].fillna("")
            bad |= ~(rc.str.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}|\d{12}"))
        if "year" in df.columns:
            df["year"] = pd.to_numeric(df["year"], errors="coerce")
            bad |= df["year"].notna() & ~df["year"].between(2000, 2100)
        if kind == "quotas":
            if "track" not in df.columns:
                df["track"] = "male"
            df["track"] = df["track"].fillna("male")
            df["quota"] = pd.to_numeric(df["quota"], errors="coerce")
            bad |= df["quota"].isna() | (df["quota"] < 0)
        self.rejects += int(bad.sum())
        df = df[~bad].copy()
        date = {"registrations": "registered_on", "exams": "exam_date", "approvals": "approved_on"}.get(kind)
        if date:
            # Year and season from the columns, else from the date (spring
            # work runs January–June, summer-autumn July–December).
            year = df["year"] if "year" in df.columns else pd.Series(float("nan"), index=df.index)
            season = df["season"] if "season" in df.columns else pd.Series(float("nan"), index=df.index)
            df["year"] = year.fillna(df[date].dt.year).astype(int)
            df["season"] = season.fillna((df[date].dt.month > 6) + 1).astype(int)
        keys = {"registrations": ["person", "year", "season", "region_code"],
                "exams": ["person", "exam_type", "exam_date", "result"],
                "approvals": ["person", "year", "season"],
                "resettlement": ["person", "discharged_on"],
                "quotas": ["year", "season", "region_code", "track"]}[kind]
        dup = df.duplicated(subset=keys, keep="first")
        if dup.any():
            self.rejects += int(dup.sum())
            df = df[~dup].copy()
        df["file_order"] = self.order
        self.order += 1
        if kind == "exams":
            df["passed"] = df["result"].astype(bool)
        if kind == "registrations":
            df["applied"] = df["applied"].fillna(False).astype(bool)
            self._regions = None
        scope = self.replace(kind, df)
        types = set(df["exam_type"].unique()) if kind == "exams" else None
        self.frames[kind].append((df, scope, types, set(zip(df["year"], df["season"])) if "season" in df else None))

    @staticmethod
    def kind_of(df):
        cols = set(df.columns)
        if "quota" in cols:
            return "quotas"
        if "registered_on" in cols:
            return "registrations"
        if "exam_date" in cols:
            return "exams"
        if "approved_on" in cols:
            return "approvals"
        if "discharged_on" in cols:
            return "resettlement"
        return None

    def regions(self, df):
        """The region of each row's person: their latest registration of
        the row's year and season (None for people registered nowhere)."""
        if self._regions is None:
            latest = self.latest_registrations()
            self._regions = {ys: g.set_index("person")["region_code"]
                             for ys, g in latest.groupby(["year", "season"])}
        out = pd.Series(None, index=df.index, dtype=object)
        for ys, part in df.groupby(["year", "season"]):
            if ys in self._regions:
                out[part.index] = part["person"].map(self._regions[ys])
        return out

    def replace(self, kind, df):
        """Snapshots (SPEC §4): a file covering a region replaces, in the
        earlier files of the same kind (and exam type) and season covering
        that region or a wider one, the rows of its region. Returns the
        file's scope, the smallest region holding all its rows."""
        if kind not in ("registrations", "exams") or df.empty:
            return ""
        where = df["region_code"] if kind == "registrations" else self.regions(df).dropna()
        scope = os.path.commonprefix(list(where.unique()))
        scope = max((scope[:n] for n in (2, 4, 6, 9, 12) if len(scope) >= n), key=len, default="")
        if not scope:
            return scope
        types = set(df["exam_type"].unique()) if kind == "exams" else None
        seasons = set(zip(df["year"], df["season"]))
        for i, (old, old_scope, old_types, old_seasons) in enumerate(self.frames[kind]):
            if old_seasons != seasons or old_types != types:
                continue
            if old_scope.startswith(scope):  # the same region or a narrower one: replaced whole
                self.frames[kind][i] = (old.iloc[0:0], old_scope, old_types, old_seasons)
                continue
            if not scope.startswith(old_scope):
                continue
            region = old["region_code"] if kind == "registrations" else self.regions(old).fillna("")
            self.frames[kind][i] = (old[~region.str.startswith(scope)], old_scope, old_types, old_seasons)
        return scope

    def table(self, kind):
        if not self.frames[kind]:
            return pd.DataFrame()
        return pd.concat([f[0] for f in self.frames[kind]], ignore_index=True)

    def latest_registrations(self, as_of=None):
        reg = self.table("registrations")
        if as_of is not None:
            reg = reg[reg["registered_on"] <= as_of]
        reg = reg.sort_values(["registered_on", "file_order", "source_row"], kind="stable")
        return reg.drop_duplicates(["person", "year", "season"], keep="last")


def county_figures(ex, year, season, as_of):
    reg = ex.table("registrations")
    reg = reg[(reg["year"] == year) & (reg["season"] == season) & (reg["registered_on"] <= as_of)]
    applied = reg.groupby("person")["applied"].any()  # applied if any registration says so
    people = (reg.sort_values(["registered_on", "file_order", "source_row"], kind="stable")
              .drop_duplicates("person", keep="last")[["person", "region_code"]].set_index("person"))
    people["applied"] = applied
    people["county"] = people["region_code"].str[:6]

    exams = ex.table("exams")
    exams = exams[(exams["year"] == year) & (exams["season"] == season) & (exams["exam_date"] <= as_of)]
    latest = (exams.sort_values(["exam_date", "file_order", "source_row"], kind="stable")
              .drop_duplicates(["person", "exam_type"], keep="last"))
    for typ in ("physical", "political"):
        r = latest[latest["exam_type"] == typ].set_index("person")["passed"]
        people[typ + "_examined"] = people.index.isin(r.index)
        people[typ + "_passed"] = r.reindex(people.index).fillna(False).astype(bool)

    ap = ex.table("approvals")
    ap = ap[(ap["year"] == year) & (ap["season"] == season)]
    ap = ap.sort_values(["file_order", "source_row"], kind="stable").drop_duplicates("person", keep="last")
    ap = ap.set_index("person")
    approved_on = ap["approved_on"].reindex(people.index)
    returned_on = ap["returned_on"].reindex(people.index)
    people["approved"] = approved_on <= as_of
    people["returned"] = people["approved"] & (returned_on <= as_of)

    g = people.groupby("county")
    fig = pd.DataFrame({
        "registered": g.size(),
        "applied": g["applied"].sum(),
        "physical_examined": g["physical_examined"].sum(),
        "physical_passed": g["physical_passed"].sum(),
        "political_reviewed": g["political_examined"].sum(),
        "political_passed": g["political_passed"].sum(),
        "double_qualified": (people["physical_passed"] & people["political_passed"]).groupby(people["county"]).sum(),
        "approved": g["approved"].sum(),
        "returned": g["returned"].sum(),
    })
    q = ex.table("quotas")
    q = q[(q["year"] == year) & (q["season"].astype(int) == season) & (q["region_code"].str.len() == 6)]
    # The compared quota is the general track's (男兵, or none given); a
    # women's (女兵) row is a quota of its own (README, women recruits). A
    # later file's row of a track replaces the earlier one of that track.
    q = q.sort_values(["file_order", "source_row"]).drop_duplicates(["region_code", "track"], keep="last")
    quota = q[q["track"] == "male"].set_index("region_code")["quota"]
    fig = fig.join(quota, how="outer").fillna(0)
    names = q.drop_duplicates("region_code", keep="last").set_index("region_code")["region_name"] if "region_name" in q.columns else None
    fig.index.name = "region_code"
    fig = fig.astype("int64")
    cols = ["quota", "registered", "applied", "physical_examined", "physical_passed", "political_reviewed",
            "political_passed", "double_qualified", "approved", "returned"]
    fig = fig[cols]
    if names is not None:
        fig.insert(0, "region_name", names.reindex(fig.index).fillna(""))
    return fig


def write_bulletin(fig, path, year, season, as_of):
    """The counties' bulletin as an analyst would make it: one sheet, rates
    as percentages, ranked by approvals over quota."""
    out = fig.copy()
    out["completion"] = (out["approved"] - out["returned"]) / out["quota"].where(out["quota"] > 0)
    out["physical_rate"] = out["physical_passed"] / out["physical_examined"].where(out["physical_examined"] > 0)
    out["political_rate"] = out["political_passed"] / out["political_reviewed"].where(out["political_reviewed"] > 0)
    out = out.sort_values("completion", ascending=False)
    out.insert(0, "rank", range(1, len(out) + 1))
    out = out.rename(columns={
        "rank": "排名", "region_name": "单位", "quota": "征集任务", "registered": "登记人数", "applied": "报名人数",
        "physical_examined": "体检人数", "physical_passed": "体检合格", "political_reviewed": "政考人数",
        "political_passed": "政考合格", "double_qualified": "双合格", "approved": "定兵数", "returned": "退兵数",
        "completion": "任务完成率", "physical_rate": "体检合格率", "political_rate": "政考合格率"})
    half = "上半年" if season == 1 else "下半年"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        out.to_excel(xw, sheet_name="任务完成", startrow=2)
        ws = xw.sheets["任务完成"]
        ws["A1"] = f"{year}年{half}征兵工作周通报（各区县）"
        ws["A2"] = f"统计截止日期：{as_of.date()}"
        for col in ("N", "O", "P"):
            for cell in ws[col][3:]:
                cell.number_format = "0.0%"
        ws.freeze_panes = "C4"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extracts", action="append", required=True, help="folder of CSV extracts (repeatable)")
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--season", type=int, required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    secret = os.environ.get("ENLIST_SECRET", "").strip()
    if len(secret) < 16:
        raise SystemExit("set ENLIST_SECRET (16 characters or more)")
    ex = Extracts(secret.encode())
    order = {"quotas": 0, "registrations": 1, "exams": 2, "approvals": 3, "resettlement": 4}
    files = []
    for d in args.extracts:
        found = sorted(glob.glob(os.path.join(d, "**", "*.csv"), recursive=True))
        # Registrations before the files whose region they give.
        found.sort(key=lambda p: order.get(os.path.basename(os.path.dirname(p)), 5))
        files += found
    for i, f in enumerate(files):
        ex.load(f)
        if sys.stderr.isatty():
            print(f"\r{i + 1}/{len(files)} files", end="", file=sys.stderr)
    as_of = pd.Timestamp(args.as_of)
    fig = county_figures(ex, args.year, args.season, as_of)
    os.makedirs(args.out, exist_ok=True)
    fig.drop(columns=["region_name"], errors="ignore").to_csv(os.path.join(args.out, "figures.csv"))
    write_bulletin(fig, os.path.join(args.out, "counties.xlsx"), args.year, args.season, as_of)
    print(f"{len(files)} files, {ex.read} rows read, {ex.rejects} rejected, {len(fig)} counties")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
