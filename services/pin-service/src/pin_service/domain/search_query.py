"""What a citizen's search words mean: the services they come for, the place they name, and the rest.

"ทำบัตรประชาชน เชียงใหม่" is the ID-card service (service_synonyms) in Chiang Mai province; "ID card
Mae Rim" the same service in Mae Rim district. Place names (provinces and districts, Thai and English)
narrow the search to that area; service phrasings become the catalogue's wording; filler words ("ทำ",
"ใกล้ฉัน", "near me") are dropped; every other word must still be found.

Matching runs on the segmented words (thai_text.segment), so a place or phrase is found only on word
boundaries: "สอง" (a district, and the word "two") never hides inside "สองแถว". Short district names and
province names that are also everyday words count only after "อำเภอ"/"เขต"/"จังหวัด" (or "amphoe",
"district", "province").
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from pin_service.domain.service_synonyms import ServiceConcept, concepts_by_phrase, phrase_key

# The longest run of words a place name or a phrase may span.
_MAX_WINDOW = 6
# A district name this short (after "เขต" / "Mueang" are taken off) is too likely an everyday word alone.
_SHORTEST_STANDALONE_DISTRICT = 5
# Province names that are everyday Thai words: เลย ("at all"), ตาก ("to dry"), แพร่ ("to spread").
_AMBIGUOUS_PROVINCE_KEYS = frozenset({"เลย", "ตาก", "แพร่"})
_PROVINCE_ALIASES = {"10": ("กรุงเทพ", "กรุงเทพฯ", "กทม", "กทม.", "bkk")}
_DISTRICT_PREFIXES = frozenset({"อำเภอ", "อ.", "เขต", "amphoe", "amphur", "district", "khet"})
_PROVINCE_PREFIXES = frozenset({"จังหวัด", "จ.", "changwat", "province"})
_FILLER = frozenset(
    {
        "ทำ", "ขอ", "ที่ไหน", "ไหน", "แถว", "ใกล้", "ใกล้ๆ", "ฉัน", "ใกล้ฉัน", "ใกล้บ้าน", "ของ", "ใน",
        "near", "nearby", "me", "in", "at", "where", "the", "a", "an", "of", "for", "to", "get", "my",
    }
)  # fmt: skip
_TRIM = ',;:!?()"“”'
# Words that may follow a place name in English ("Mae Rim district") and say nothing more.
_PLACE_SUFFIXES = frozenset({"district", "province", "amphoe"})


@dataclass(frozen=True, slots=True)
class Place:
    kind: str  # "province" | "district"
    code: str
    name_th: str
    name_en: str

    @property
    def province_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True, slots=True)
class _Entry:
    place: Place
    needs_prefix: bool


class Gazetteer:
    """Provinces and districts by the keys of their Thai and English names (and a few common aliases)."""

    def __init__(
        self,
        provinces: Iterable[tuple[str, str, str]],
        districts: Iterable[tuple[str, str, str]],
    ) -> None:
        self._entries: dict[str, list[_Entry]] = {}
        for code, name_th, name_en in provinces:
            place = Place("province", code, name_th, name_en)
            for name in (name_th, name_en, *_PROVINCE_ALIASES.get(code, ())):
                key = phrase_key(name)
                self._add(key, _Entry(place, needs_prefix=key in _AMBIGUOUS_PROVINCE_KEYS))
        for code, name_th, name_en in districts:
            place = Place("district", code, name_th, name_en)
            bare_th = name_th.removeprefix("เขต")
            for name in {name_th, bare_th, name_en}:
                key = phrase_key(name)
                bare = key.removeprefix("เมือง").removeprefix("mueang")
                self._add(key, _Entry(place, needs_prefix=len(bare) < _SHORTEST_STANDALONE_DISTRICT))

    def _add(self, key: str, entry: _Entry) -> None:
        if key:
            self._entries.setdefault(key, []).append(entry)

    def places(self, key: str, after_prefix: str | None) -> list[Place]:
        """The places this key names; a prefix word says which kind is meant and allows short names."""
        found = []
        for entry in self._entries.get(key, []):
            if after_prefix in _DISTRICT_PREFIXES and entry.place.kind != "district":
                continue
            if after_prefix in _PROVINCE_PREFIXES and entry.place.kind != "province":
                continue
            if entry.needs_prefix and after_prefix is None:
                continue
            found.append(entry.place)
        return found


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    concept: ServiceConcept
    typed: str  # the words as the citizen typed them (a point named with them matches too)


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...] = ()
    concepts: tuple[ConceptMatch, ...] = ()
    places: tuple[Place, ...] = ()
    dropped: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """The words that must still be found, as typed (segmented)."""
        return " ".join(self.words)

    def area_filter(self) -> tuple[str, list[str]] | None:
        """The field and codes the named places narrow to: districts inside the named provinces win;
        with no province named, every named district; otherwise the provinces."""
        provinces = sorted({p.code for p in self.places if p.kind == "province"})
        districts = sorted({p.code for p in self.places if p.kind == "district"})
        if provinces:
            inside = [d for d in districts if d[:2] in provinces]
            return ("district_code", inside) if inside else ("province_code", provinces)
        if districts:
            return "district_code", districts
        return None


def _token_key(token: str) -> str:
    return phrase_key(token.strip(_TRIM))


def parse_query(segmented: str, gazetteer: Gazetteer) -> ParsedQuery:
    """Read a query already split into words (thai_text.segment): longest phrases and places first."""
    tokens = [t for t in (tok.strip(_TRIM) for tok in segmented.split()) if t]
    keys = [_token_key(t) for t in tokens]
    phrases = concepts_by_phrase()
    words: list[str] = []
    concepts: list[ConceptMatch] = []
    places: list[Place] = []
    dropped: list[str] = []
    i = 0
    while i < len(tokens):
        prefix = keys[i] if keys[i] in _DISTRICT_PREFIXES | _PROVINCE_PREFIXES else None
        start = i + 1 if prefix else i
        matched = False
        for end in range(min(len(tokens), start + _MAX_WINDOW), start, -1):
            key = "".join(keys[start:end])
            concept = phrases.get(key) if prefix is None else None
            named = gazetteer.places(key, prefix)
            if concept is not None:
                if all(c.concept is not concept for c in concepts):
                    concepts.append(ConceptMatch(concept, " ".join(tokens[start:end])))
            elif named:
                places.extend(p for p in named if p not in places)
                if end < len(tokens) and keys[end] in _PLACE_SUFFIXES:
                    end += 1
            else:
                continue
            i, matched = end, True
            break
        if matched:
            continue
        if keys[i] in _FILLER:
            dropped.append(tokens[i])
        else:
            words.append(tokens[i])
        i += 1
    return ParsedQuery(tuple(words), tuple(concepts), tuple(places), tuple(dropped))
