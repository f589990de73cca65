"""Closed lists of place names and calendar words, so that "which country" is answered with a country
and "which state" with a state, not with a city the sentence also names."""

from __future__ import annotations

import re

from qa.text.dates import MONTH_NUMBERS

COUNTRIES = frozenset(
    s.lower()
    for s in """
Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|Bahamas|Bahrain|
Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia|Bosnia and Herzegovina|Botswana|Brazil|
Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde|Central African Republic|Chad|Chile|
China|Colombia|Comoros|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|Dominica|
Dominican Republic|East Timor|Ecuador|Egypt|El Salvador|Equatorial Guinea|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|
Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|
Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|Jordan|
Kazakhstan|Kenya|Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|
Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Marshall Islands|Mauritania|Mauritius|Mexico|
Micronesia|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Burma|Namibia|Nauru|Nepal|Netherlands|
New Zealand|Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Norway|Oman|Pakistan|Palau|Palestine|Panama|
Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saint Lucia|Samoa|
San Marino|Saudi Arabia|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|Solomon Islands|
Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|Sudan|Suriname|Sweden|Switzerland|Syria|Taiwan|
Tajikistan|Tanzania|Thailand|Togo|Tonga|Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|
United Arab Emirates|UAE|United Kingdom|UK|U.K.|Britain|Great Britain|England|Scotland|Wales|United States|
US|U.S.|USA|America|Uruguay|Uzbekistan|Vanuatu|Vatican|Venezuela|Vietnam|Yemen|Zambia|Zimbabwe
""".replace("\n", "").split("|")
)

US_STATES = frozenset(
    s.lower()
    for s in """
Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|
Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|
Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|
Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|
West Virginia|Wisconsin|Wyoming|District of Columbia|Puerto Rico
""".replace("\n", "").split("|")
)

CONTINENTS = frozenset(
    "africa|antarctica|asia|australia|europe|north america|south america|oceania|"
    "latin america|central america|the americas|middle east".split("|")
)

REGIONS = frozenset(
    "northeast|southeast|midwest|southwest|northwest|west coast|east coast|gulf coast|"
    "pacific northwest|new england|great plains|deep south|sun belt|rust belt|"
    "mountain west|great lakes|appalachia".split("|")
)

WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
MONTHS = frozenset(MONTH_NUMBERS)  # full names and abbreviations
_CALENDAR = WEEKDAYS | MONTHS

# Adjectives that stand for a place ("the European Union", "Saudi authorities").
DEMONYMS = {
    "european": "Europe",
    "asian": "Asia",
    "african": "Africa",
    "american": "America",
    "saudi": "Saudi Arabia",
    "chinese": "China",
    "british": "UK",
    "russian": "Russia",
    "ukrainian": "Ukraine",
    "colombian": "Colombia",
    "japanese": "Japan",
    "filipino": "Philippines",
    "philippine": "Philippines",
    "sri lankan": "Sri Lanka",
    "indian": "India",
    "north korean": "North Korea",
    "south korean": "South Korea",
    "korean": "Korea",
    "french": "France",
    "german": "Germany",
    "italian": "Italy",
    "spanish": "Spain",
    "mexican": "Mexico",
    "canadian": "Canada",
    "australian": "Australia",
    "brazilian": "Brazil",
    "israeli": "Israel",
    "iranian": "Iran",
    "iraqi": "Iraq",
    "afghan": "Afghanistan",
    "pakistani": "Pakistan",
    "turkish": "Turkey",
    "swedish": "Sweden",
    "finnish": "Finland",
    "polish": "Poland",
    "venezuelan": "Venezuela",
    "cuban": "Cuba",
    "taiwanese": "Taiwan",
    "egyptian": "Egypt",
    "syrian": "Syria",
    "greek": "Greece",
    "dutch": "Netherlands",
    "irish": "Ireland",
    "norwegian": "Norway",
    "danish": "Denmark",
    "swiss": "Switzerland",
    "emirati": "UAE",
    "nigerian": "Nigeria",
    "kenyan": "Kenya",
    "ethiopian": "Ethiopia",
    "vietnamese": "Vietnam",
    "thai": "Thailand",
    "indonesian": "Indonesia",
    "malaysian": "Malaysia",
    "chilean": "Chile",
    "peruvian": "Peru",
    "argentine": "Argentina",
    "argentinian": "Argentina",
    "hungarian": "Hungary",
    "belarusian": "Belarus",
}
# A demonym as written in a sentence: capitalised, a whole word, the longest first ("South Korean").
DEMONYM_WORD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted((re.escape(d.title()) for d in DEMONYMS), key=len, reverse=True)) + r")(?![\w-])"
)

# The kind of place a question asks for, and the names that fit it.
PLACE_KINDS = {"country": COUNTRIES, "state": US_STATES, "continent": CONTINENTS, "region": REGIONS}


def fits_place(name: str, kind: str) -> bool:
    """True when `name` is in the list for `kind` ("country", "state", "continent", "region")."""
    key = " ".join(name.lower().split())
    key = key[4:] if key.startswith("the ") else key
    return key in PLACE_KINDS.get(kind, ())


def is_known_place(name: str) -> bool:
    """True when `name` is in any of the lists (so it is not a city, a street or a building)."""
    return any(fits_place(name, kind) for kind in PLACE_KINDS)


def is_calendar_word(text: str) -> bool:
    """True for a bare weekday or month name ("Tuesday", "May") — a when, never a what."""
    return text.lower().strip(" .,") in _CALENDAR
