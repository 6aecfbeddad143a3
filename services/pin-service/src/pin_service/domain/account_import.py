"""Staff accounts from a CSV file: the header, each line checked on its own, per-line outcomes (pure).

The file is read with Python's csv module (quoted cells, commas and line breaks inside quotes). The
header names the columns, in any order and case, spaces or underscores alike: `username`,
`display_name`, `department_id` are required, `email` is optional; any other column is refused (a
`password` column above all: passwords are never imported). A line becomes a staff account of its
department; whether it may (rights, department in the catalogue, username free) is decided later.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum

from citizeninfo_shared.storable_text import has_control_characters

# The same rules as POST /users (api/accounts.py UserCreate).
USERNAME_PATTERN = r"^[A-Za-z0-9._@-]+$"
USERNAME_MIN, USERNAME_MAX = 3, 64
DEPARTMENT_ID_MAX = 32
DISPLAY_NAME_MAX = 200
EMAIL_MAX = 254

REQUIRED_COLUMNS = ("username", "display_name", "department_id")
OPTIONAL_COLUMNS = ("email",)
_USERNAME = re.compile(USERNAME_PATTERN)
# An address as people write it: one @, a dot in the domain, no spaces (not the whole of RFC 5322).
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


class Outcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


class Reason(StrEnum):
    """Why a line was rejected; each has an English and a Thai sentence (REASONS)."""

    BAD_USERNAME = "bad_username"
    BAD_DISPLAY_NAME = "bad_display_name"
    BAD_DEPARTMENT = "bad_department"
    BAD_EMAIL = "bad_email"
    WRONG_CELL_COUNT = "wrong_cell_count"
    REPEATED = "repeated_in_file"
    NOT_YOUR_DEPARTMENT = "not_your_department"
    UNKNOWN_DEPARTMENT = "unknown_department"
    USERNAME_TAKEN = "username_taken"
    NOT_STORED = "not_stored"


REASONS: dict[Reason, tuple[str, str]] = {
    Reason.BAD_USERNAME: (
        f"The username must be {USERNAME_MIN}-{USERNAME_MAX} characters: letters, digits, . _ @ -",
        f"ชื่อผู้ใช้ต้องยาว {USERNAME_MIN}-{USERNAME_MAX} ตัวอักษร ใช้ได้เฉพาะอักษรอังกฤษ ตัวเลข และ . _ @ -",
    ),
    Reason.BAD_DISPLAY_NAME: (
        f"The display name is required, at most {DISPLAY_NAME_MAX} characters, without control characters.",
        f"ต้องระบุชื่อที่แสดง ไม่เกิน {DISPLAY_NAME_MAX} ตัวอักษร และไม่มีอักขระควบคุม",
    ),
    Reason.BAD_DEPARTMENT: (
        f"The department_id is required, at most {DEPARTMENT_ID_MAX} characters.",
        f"ต้องระบุรหัสหน่วยงาน ไม่เกิน {DEPARTMENT_ID_MAX} ตัวอักษร",
    ),
    Reason.BAD_EMAIL: ("The e-mail address is not valid.", "อีเมลไม่ถูกต้อง"),
    Reason.WRONG_CELL_COUNT: (
        "The line does not have as many cells as the header.",
        "จำนวนช่องของบรรทัดนี้ไม่ตรงกับหัวตาราง",
    ),
    Reason.REPEATED: (
        "This username is already on an earlier line of the file.",
        "ชื่อผู้ใช้นี้ซ้ำกับบรรทัดก่อนหน้าในไฟล์",
    ),
    Reason.NOT_YOUR_DEPARTMENT: (
        "A department coordinator may import only its own department's staff.",
        "ผู้ประสานงานนำเข้าได้เฉพาะเจ้าหน้าที่ของหน่วยงานตนเอง",
    ),
    Reason.UNKNOWN_DEPARTMENT: (
        "No department with this id in the catalogue.",
        "ไม่พบรหัสหน่วยงานนี้ในทะเบียนหน่วยงาน",
    ),
    Reason.USERNAME_TAKEN: (
        "The username is taken by an account of another department or role.",
        "ชื่อผู้ใช้นี้ถูกใช้แล้วโดยบัญชีของหน่วยงานหรือบทบาทอื่น",
    ),
    Reason.NOT_STORED: ("The account could not be stored; send the line again.", "บันทึกบัญชีไม่สำเร็จ กรุณาส่งบรรทัดนี้อีกครั้ง"),
}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (no header, unknown columns, too many lines)."""


@dataclass(frozen=True, slots=True)
class ImportLine:
    line: int  # the physical line of the file where the record ends (the header is line 1)
    username: str
    display_name: str
    department_id: str
    email: str | None
    problem: Reason | None = None  # set when the line is invalid on its own


_ALIASES = {"e_mail": "email", "mail": "email"}


def column_name(header_cell: str) -> str:
    name = "_".join(header_cell.strip().lower().replace("-", " ").replace("_", " ").split())
    return _ALIASES.get(name, name)


def read_header(header: list[str]) -> list[str]:
    columns = [column_name(cell) for cell in header]
    if columns and columns[0].startswith("\ufeff"):
        columns[0] = columns[0].lstrip("\ufeff")
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown columns {unknown}: the columns are {', '.join(REQUIRED_COLUMNS)} and optionally email "
            "(passwords are never imported)."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing or len(set(columns)) != len(columns):
        raise ImportFileError(f"The header must name each of {', '.join(REQUIRED_COLUMNS)} once (missing: {missing}).")
    return columns


def valid_email(text: str) -> bool:
    return len(text) <= EMAIL_MAX and bool(_EMAIL.match(text))


def _checked(line: int, cells: dict[str, str]) -> ImportLine:
    username = cells.get("username", "")
    display_name = cells.get("display_name", "")
    department_id = cells.get("department_id", "")
    email = cells.get("email") or None
    problem: Reason | None = None
    if not (USERNAME_MIN <= len(username) <= USERNAME_MAX and _USERNAME.match(username)):
        problem = Reason.BAD_USERNAME
    elif not display_name or len(display_name) > DISPLAY_NAME_MAX or has_control_characters(display_name):
        problem = Reason.BAD_DISPLAY_NAME
    elif not department_id or len(department_id) > DEPARTMENT_ID_MAX or has_control_characters(department_id):
        problem = Reason.BAD_DEPARTMENT
    elif email is not None and not valid_email(email):
        problem = Reason.BAD_EMAIL
    return ImportLine(line, username, display_name, department_id, email, problem)


def parse_accounts_csv(text: str, *, max_lines: int) -> list[ImportLine]:
    """Every non-blank record after the header, checked on its own; a username seen on an earlier line
    is REPEATED. Raises ImportFileError for a file that cannot be read as a whole."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty: the first line must name the columns.")
        columns = read_header(header)
        lines: list[ImportLine] = []
        seen: set[str] = set()
        for record in _records(reader):
            if len(lines) >= max_lines:
                raise ImportFileError(f"At most {max_lines:,} accounts a file; split it and send the parts.")
            cells = [cell.strip() for cell in record]
            if len(cells) != len(columns):
                username = cells[columns.index("username")] if len(cells) > columns.index("username") else ""
                lines.append(ImportLine(reader.line_num, username, "", "", None, Reason.WRONG_CELL_COUNT))
                continue
            checked = _checked(reader.line_num, dict(zip(columns, cells, strict=True)))
            if checked.problem is None and checked.username.lower() in seen:
                checked = replace(checked, problem=Reason.REPEATED)
            seen.add(checked.username.lower())
            lines.append(checked)
    except csv.Error as error:
        raise ImportFileError(f"The file is not readable as CSV near line {reader.line_num}: {error}") from error
    return lines


def _records(reader: Iterable[list[str]]) -> Iterator[list[str]]:
    for record in reader:
        if any(cell.strip() for cell in record):  # blank lines (and lines of empty cells) are skipped
            yield record
