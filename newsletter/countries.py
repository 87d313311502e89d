"""Countries: the name or code an editor writes (`Fiji`, `FJ`, `Korea`), read with the
ISO 3166 list of `pycountry`, and the short name readers see.

pycountry knows the ISO names (`Korea, Republic of`), the common ones (`South Korea`)
and the codes; the few short names an editor writes that it lacks (`Korea`, `Russia`,
`Turkey`) are added here. pycountry is imported only when a country is looked up, so
`check` of content without one never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from newsletter.slugs import slugify

# Names in everyday English use that pycountry does not take, by ISO 3166 alpha-2 code.
_ALIASES = {
    "korea": "KR",
    "republic of korea": "KR",
    "korea (republic of)": "KR",
    "russia": "RU",
    "turkey": "TR",
    "brunei": "BN",
    "macau": "MO",
    "east timor": "TL",
    "micronesia": "FM",
    "lao pdr": "LA",
    "uk": "GB",
    "great britain": "GB",
    "usa": "US",
    "the netherlands": "NL",
    "czech republic": "CZ",
}
# Short names for the countries whose ISO name is inverted and that have no common name.
_SHORT_NAMES = {
    "RU": "Russia",
    "MO": "Macao",
    "FM": "Micronesia",
    "CD": "DR Congo",
    "PS": "Palestine",
    "VA": "Vatican City",
}


@dataclass(frozen=True, slots=True)
class Country:
    """One country: its ISO 3166 alpha-2 code, the short name readers see, and its slug."""

    code: str  # "FJ"
    name: str  # "Fiji"

    @property
    def slug(self) -> str:
        """The country's part of a path (`fiji`, `south-korea`)."""
        return slugify(self.name)


@cache
def find_country(text: str) -> Country | None:
    """The country `text` names (a name, a common name or an ISO code, any case), or None."""
    import pycountry

    key = " ".join(text.strip().rstrip(".").split()).casefold()
    if not key or key.isdigit():  # pycountry reads "242" as Fiji's numeric code
        return None
    code = _ALIASES.get(key)
    try:
        found = pycountry.countries.get(alpha_2=code) if code else pycountry.countries.lookup(key)
    except LookupError:
        return None
    if found is None:
        return None
    return Country(found.alpha_2, _short_name(found))


def country_in_venue(venue: str) -> Country | None:
    """The country a venue names as its last part ("Suva, Fiji"), or None (`online`, a
    venue without a country)."""
    if "," not in venue:
        return find_country(venue) if venue.strip().casefold() != "online" else None
    return find_country(venue.rsplit(",", 1)[1])


def _short_name(country: object) -> str:
    code = str(getattr(country, "alpha_2", ""))
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    common = getattr(country, "common_name", None)
    if common:
        return str(common)
    name = str(getattr(country, "name", code))
    official = getattr(country, "official_name", None)
    return str(official) if "," in name and official else name
