"""The benchmarks' one synthetic dataset: organizations × bureaus × departments × indicators, per plan edition.

Loaded with COPY into a freshly migrated scratch database (bench/common.py makes it). Each organization holds
one edition per plan year: `bureaus` bureaus of `departments` departments of `indicators` indicators. An edition
of plan year P carries five years of targets (P-2 … P+2) and three years of actuals (P-2 … P; 5 % not
reported, the rest mostly approved, some submitted, draft or returned); a later edition's indicators point at
the earlier edition's (`Indicator.previous`), as `import_plan` links next year's plan. The first organizations
are provinces (광역, up to 17), the others cities and counties (기초) under them. Deterministic (seeded).

bench/scoring.py and bench/scoreboard.py both load it: their flat national dataset (one organization, one
plan year, 25,000 departments) and the issue's scale (243 organizations × 15 bureaus × 6 departments × 8
indicators, two plan years) are two shapes of the same builder.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

PROVINCES = 17
STATUSES = ["approved"] * 14 + ["submitted"] * 3 + ["draft", "returned"]


@dataclass(frozen=True)
class Shape:
    organizations: int
    bureaus: int  # per organization and plan edition
    departments: int  # per bureau
    indicators: int = 8  # per department
    plan_years: tuple[int, ...] = (2025,)

    @property
    def departments_per_edition(self) -> int:
        return self.organizations * self.bureaus * self.departments

    @property
    def indicators_per_edition(self) -> int:
        return self.departments_per_edition * self.indicators

    def describe(self) -> str:
        editions = " and ".join(str(year) for year in self.plan_years)
        return (
            f"{self.organizations:,} organization{'s' if self.organizations > 1 else ''} × {self.bureaus:,} bureaus × "
            f"{self.departments} departments × {self.indicators} indicators = {self.departments_per_edition:,} "
            f"departments and {self.indicators_per_edition:,} indicators per plan edition; plan "
            f"edition{'s' if len(self.plan_years) > 1 else ''} {editions}"
        )


# The scale (issue 15, item 7).
SCALE = Shape(organizations=243, bureaus=15, departments=6, indicators=8, plan_years=(2025, 2026))


def flat(departments: int, per_bureau: int) -> Shape:
    """One organization and one plan edition of about `departments` departments, `per_bureau` to a bureau."""
    return Shape(organizations=1, bureaus=(departments + per_bureau - 1) // per_bureau, departments=per_bureau)


def load(shape: Shape, *, seed: int = 2025) -> dict[str, int]:
    """Migrate, then COPY the dataset in; returns the row counts. Ids are assigned here, edition by edition
    (as one import per year would), and the sequences moved past them."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    counts = dict.fromkeys(("organizations", "bureaus", "departments", "indicators", "targets", "actuals"), 0)
    with connection.cursor() as cursor, cursor.connection.cursor() as cur:
        with cur.copy("COPY kpis_organization (id, name, kind, parent_id) FROM STDIN") as copy:
            for o in range(1, shape.organizations + 1):
                province = o <= min(PROVINCES, shape.organizations) or shape.organizations == 1
                parent = None if province else (o - 1) % PROVINCES + 1
                copy.write_row((o, f"기관{o:03d}", "provincial" if province else "local", parent))
        counts["organizations"] = shape.organizations
        bureau_id = department_id = indicator_id = 0
        previous_first = None  # id of the earlier edition's first indicator: editions have the same layout
        for plan_year in shape.plan_years:
            first_bureau, first_department, first_indicator = bureau_id + 1, department_id + 1, indicator_id + 1
            with cur.copy(
                "COPY kpis_bureau (id, organization_id, name, plan_year, goal_list, basic_direction, source_document) "
                "FROM STDIN"
            ) as copy:
                for o in range(1, shape.organizations + 1):
                    for b in range(shape.bureaus):
                        bureau_id += 1
                        copy.write_row((bureau_id, o, f"실국{b:04d}", plan_year, "[]", "", "bench"))
            with cur.copy(
                "COPY kpis_department (id, bureau_id, name, \"order\", authorized_total, authorized_grade4_up, "
                "authorized_grade5, authorized_grade6_down, current_headcount, main_contents) FROM STDIN"
            ) as copy:
                for b in range(first_bureau, bureau_id + 1):
                    for d in range(shape.departments):
                        department_id += 1
                        copy.write_row((department_id, b, f"부서{department_id - first_department:05d}", d, 20, 2, 4, 14,
                                        19, "[]"))
            with cur.copy(
                "COPY kpis_indicator (id, department_id, previous_id, name, short_name, unit, kind, weight, direction, "
                "method_text, formula, formula_variables, data_source, target_rationale, bsc_linked, \"order\", "
                "value_min, value_places, input_min, input_places, period_rule) FROM STDIN"
            ) as copy:
                for d in range(first_department, department_id + 1):
                    for n in range(shape.indicators):
                        indicator_id += 1
                        previous = None if previous_first is None else previous_first + indicator_id - first_indicator
                        # 건 is counted: whole numbers of at least 0 (kpis/domain.py)
                        copy.write_row((
                            indicator_id, d, previous, f"지표{n}", f"지표{n}", "건", "core" if n < 3 else "general",
                            rng.choice((10, 10, 15, 20)), "down" if n == shape.indicators - 1 else "up", "건수", "건수",
                            '["건수"]', "", "", False, n, 0, 0, 0, 0, "",
                        ))
            years = range(plan_year - 2, plan_year + 3)
            bases = {}
            with cur.copy("COPY kpis_target (indicator_id, year, value) FROM STDIN") as copy:
                for i in range(first_indicator, indicator_id + 1):
                    base = bases[i] = rng.randint(10, 5000)
                    for year in years:
                        copy.write_row((i, year, base + (year - years[0]) * rng.randint(0, 3)))
            with cur.copy(
                "COPY kpis_actual (indicator_id, year, value, inputs, note, status, source, placeholder_reason, "
                "version, updated_at, raw_text, review_comment) FROM STDIN"
            ) as copy:
                for i in range(first_indicator, indicator_id + 1):
                    for year in years[:3]:
                        if rng.random() > 0.05:
                            value, status = round(bases[i] * rng.uniform(0.8, 1.25)), rng.choice(STATUSES)
                        else:
                            value, status = None, "not_reported"
                        copy.write_row((i, year, value, "{}", "", status, "plan", "", 1, "2025-01-01T00:00:00Z", "", ""))
            counts["bureaus"] += bureau_id - first_bureau + 1
            counts["departments"] += department_id - first_department + 1
            counts["indicators"] += indicator_id - first_indicator + 1
            counts["targets"] += (indicator_id - first_indicator + 1) * len(years)
            counts["actuals"] += (indicator_id - first_indicator + 1) * 3
            previous_first = first_indicator
        for table in ("kpis_organization", "kpis_bureau", "kpis_department", "kpis_indicator"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts
