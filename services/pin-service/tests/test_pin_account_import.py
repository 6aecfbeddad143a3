"""Issue 22: staff accounts from a CSV file, with a result per line (parsing, rights, idempotency)."""

import pytest
from citizeninfo_shared.auth import Role
from pin_service.domain.account_import import ImportFileError, Reason, parse_accounts_csv

from .conftest import STAFF_DEPARTMENT, STAFF_PASSWORD, PinWorld

CSV = {"Content-Type": "text/csv; charset=utf-8"}
OTHER_DEPARTMENT = "D0801"


@pytest.fixture
async def world(pin: PinWorld, password_hashes: dict[str, str]) -> PinWorld:
    store = pin.app.state.account_store
    await store.create("kanya", password_hashes[STAFF_PASSWORD], Role.COORDINATOR, STAFF_DEPARTMENT)
    await store.create("wichai", password_hashes[STAFF_PASSWORD], Role.AGENCY_STAFF, OTHER_DEPARTMENT)
    for department in (STAFF_DEPARTMENT, OTHER_DEPARTMENT):
        pin.db["departments"].documents[department] = {"_id": department, "name_th": "กรมทดสอบ"}
    return pin


# ------------------------------------------------------------------------------ the CSV file
def test_the_header_may_come_in_any_order_case_and_spelling_and_quoted_cells_keep_commas():
    text = (
        "\ufeffDepartment ID,Display Name,USERNAME,e-mail\r\n"
        f'{STAFF_DEPARTMENT},"ใจดี, สมชาย",somchai,somchai@dopa.go.th\r\n'
        "\r\n"
        f'{STAFF_DEPARTMENT},"two\nlines",malee,\r\n'
    )
    first, second = parse_accounts_csv(text, max_lines=10)
    assert (first.line, first.username, first.display_name, first.email) == (
        2,
        "somchai",
        "ใจดี, สมชาย",
        "somchai@dopa.go.th",
    )
    assert first.problem is None and second.email is None and second.line == 5  # the record ends on line 5


@pytest.mark.parametrize(
    "header",
    [
        "username,display_name",
        "username,display_name,department_id,password",
        "username,username,display_name,department_id",
    ],
)
def test_a_header_without_the_columns_or_with_a_password_column_refuses_the_file(header: str):
    with pytest.raises(ImportFileError):
        parse_accounts_csv(header + "\r\nsomchai,x,D1\r\n", max_lines=10)


def test_an_empty_file_and_too_many_lines_refuse_the_file():
    with pytest.raises(ImportFileError):
        parse_accounts_csv("", max_lines=10)
    rows = "".join(f"user{n},Name {n},D1\n" for n in range(4))
    assert len(parse_accounts_csv("username,display_name,department_id\n" + rows, max_lines=4)) == 4
    with pytest.raises(ImportFileError, match="At most 3"):
        parse_accounts_csv("username,display_name,department_id\n" + rows, max_lines=3)


def test_a_cell_beyond_the_csv_modules_field_limit_refuses_the_file_and_nul_characters_reject_the_line():
    with pytest.raises(ImportFileError, match="not readable as CSV"):
        parse_accounts_csv("username,display_name,department_id\n" + "x" * 200_000, max_lines=10)
    lines = parse_accounts_csv("username,display_name,department_id\nab\0c,x,D1\nabc,x\0y,D1\n", max_lines=10)
    assert [line.problem for line in lines] == [Reason.BAD_USERNAME, Reason.BAD_DISPLAY_NAME]


def test_each_line_is_checked_on_its_own():
    text = "username,display_name,department_id,email\n" + "\n".join(
        [
            "ok.user,Name,D1,",
            "no,Name,D1,",  # too short
            "bad user,Name,D1,",
            "noname,,D1,",
            "nodept,Name,,",
            "bademail,Name,D1,not-an-address",
            "short,Name,D1",  # a cell missing
            "OK.USER,Name,D1,",  # repeated (usernames differing only by case are one person's)
            "=cmd|' /C calc'!A0,Name,D1,",  # a formula is just a bad username here
        ]
    )
    problems = [line.problem for line in parse_accounts_csv(text, max_lines=100)]
    assert problems == [
        None,
        Reason.BAD_USERNAME,
        Reason.BAD_USERNAME,
        Reason.BAD_DISPLAY_NAME,
        Reason.BAD_DEPARTMENT,
        Reason.BAD_EMAIL,
        Reason.WRONG_CELL_COUNT,
        Reason.REPEATED,
        Reason.BAD_USERNAME,
    ]


# ---------------------------------------------------------------------------- the endpoint
def _file(*lines: str) -> bytes:
    return ("username,display_name,department_id,email\r\n" + "\r\n".join(lines) + "\r\n").encode()


async def test_an_admin_imports_for_any_department_with_a_one_time_setup_code_per_created_account(world: PinWorld):
    body = _file(
        f"somchai,สมชาย ใจดี,{STAFF_DEPARTMENT},somchai@dopa.go.th",
        f"malee,มาลี,{OTHER_DEPARTMENT},",
        "ghost,ผี,D9999,",
        f"no,สั้น,{STAFF_DEPARTMENT},",
    )
    async with world.client() as http:
        answer = await http.post("/users:import", content=body, headers={**world.bearer("admin"), **CSV})
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        result = answer.json()
        assert (result["created"], result["unchanged"], result["rejected"]) == (2, 0, 2)
        items = {item["username"]: item for item in result["items"]}
        assert [item["line"] for item in result["items"]] == [2, 3, 4, 5]
        assert items["ghost"]["reason_code"] == "unknown_department" and items["ghost"]["reason_th"]
        assert items["no"]["reason_code"] == "bad_username"
        somchai = world.users.documents["somchai"]
        assert somchai["role"] == "agency_staff" and somchai["password_hash"] is None
        assert somchai["display_name"] == "สมชาย ใจดี" and somchai["email"] == "somchai@dopa.go.th"
        assert items["somchai"]["setup_code"] not in str(somchai)

        choose = {"username": "somchai", "setup_code": items["somchai"]["setup_code"], "new_password": "somchai-pass-1"}
        assert (await http.post("/auth/setup-password", json=choose)).status_code == 200


async def test_a_coordinator_imports_its_own_department_and_other_lines_are_rejected_one_by_one(world: PinWorld):
    body = _file(
        f"a.one,เอ,{STAFF_DEPARTMENT},",
        f"b.two,บี,{OTHER_DEPARTMENT},",
        f"c.three,ซี,{STAFF_DEPARTMENT},",
        f"wichai,วิชัย,{STAFF_DEPARTMENT},",  # another department's account: the username is taken
    )
    async with world.client() as http:
        answer = await http.post("/users:import", content=body, headers={**world.bearer("kanya"), **CSV})
    assert answer.status_code == 200, answer.text
    outcomes = [(i["username"], i["outcome"], i.get("reason_code")) for i in answer.json()["items"]]
    assert outcomes == [
        ("a.one", "created", None),
        ("b.two", "rejected", "not_your_department"),
        ("c.three", "created", None),
        ("wichai", "rejected", "username_taken"),
    ]
    assert "b.two" not in world.users.documents
    assert world.users.documents["wichai"]["department_id"] == OTHER_DEPARTMENT
    assert world.users.documents["a.one"]["created_by"] == "kanya"


async def test_sending_the_same_file_again_changes_nothing_and_issues_no_new_codes(world: PinWorld):
    body = _file(f"a.one,เอ,{STAFF_DEPARTMENT},", f"somsri,สมศรี,{STAFF_DEPARTMENT},")
    async with world.client() as http:
        first = await http.post("/users:import", content=body, headers={**world.bearer("kanya"), **CSV})
        stored = dict(world.users.documents["a.one"])
        again = await http.post("/users:import", content=body, headers={**world.bearer("kanya"), **CSV})
    assert [i["outcome"] for i in first.json()["items"]] == ["created", "unchanged"]  # somsri already exists
    assert [i["outcome"] for i in again.json()["items"]] == ["unchanged", "unchanged"]
    assert all("setup_code" not in item for item in again.json()["items"])
    assert world.users.documents["a.one"] == stored
    assert world.users.documents["somsri"]["password_hash"]  # an import never touches an existing account


async def test_a_coordinators_import_cannot_make_a_coordinator_of_an_existing_name(world: PinWorld):
    body = _file(f"kanya,กัญญา,{STAFF_DEPARTMENT},")  # the coordinator itself: not a staff account
    async with world.client() as http:
        answer = await http.post("/users:import", content=body, headers={**world.bearer("kanya"), **CSV})
    assert answer.json()["items"][0]["reason_code"] == "username_taken"


async def test_a_multipart_upload_is_read_like_a_csv_body(world: PinWorld):
    files = {"file": ("staff.csv", _file(f"m.one,เอ็ม,{STAFF_DEPARTMENT},"), "text/csv")}
    async with world.client() as http:
        answer = await http.post("/users:import", files=files, headers=world.bearer("admin"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1


async def test_who_may_import_and_what_the_file_must_be(world: PinWorld):
    body = _file(f"x.one,เอ็กซ์,{STAFF_DEPARTMENT},")
    settings = world.app.state.settings
    world.app.state.settings = settings.model_copy(
        update={"account_import_max_bytes": 200, "account_import_max_lines": 2}
    )
    try:
        async with world.client() as http:
            admin = world.bearer("admin")
            assert (await http.post("/users:import", content=body, headers=CSV)).status_code == 401
            staff = await http.post("/users:import", content=body, headers={**world.bearer("somsri"), **CSV})
            assert staff.status_code == 403 and staff.json()["title_th"]
            json_body = await http.post(
                "/users:import", content=body, headers={**admin, "Content-Type": "application/json"}
            )
            assert json_body.status_code == 415
            big = await http.post("/users:import", content=body + b"y" * 300, headers={**admin, **CSV})
            assert big.status_code == 413 and big.headers["content-type"].startswith("application/problem+json")
            many = _file(*(f"u{n}.x,N,{STAFF_DEPARTMENT}," for n in range(3)))
            assert (await http.post("/users:import", content=many, headers={**admin, **CSV})).status_code == 422
            latin1 = "username,display_name,department_id\r\nzoe,Zoë,D0702\r\n".encode("latin-1")
            assert (await http.post("/users:import", content=latin1, headers={**admin, **CSV})).status_code == 422
            unknown = b"username,display_name,department_id,password\r\n"
            answer = await http.post("/users:import", content=unknown, headers={**admin, **CSV})
            assert answer.status_code == 422 and "passwords are never imported" in answer.json()["detail"]
    finally:
        world.app.state.settings = settings
    assert "x.one" not in world.users.documents


async def test_five_thousand_lines_are_one_request_and_the_next_line_is_too_many(world: PinWorld):
    rows = [f"user{n:05d},ชื่อ {n},{STAFF_DEPARTMENT}," for n in range(5_000)]
    async with world.client() as http:
        admin = {**world.bearer("admin"), **CSV}
        answer = await http.post("/users:import", content=_file(*rows), headers=admin)
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == 5_000
        assert len({item["setup_code"] for item in answer.json()["items"]}) == 5_000
        too_many = await http.post(
            "/users:import", content=_file(*rows, f"one.more,x,{STAFF_DEPARTMENT},"), headers=admin
        )
        assert too_many.status_code == 422 and "5,000" in too_many.json()["detail"]
