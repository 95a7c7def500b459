"""Vocabulary for the synthetic listings: goods the region really trades, in English and Russian.

The goods are data, in ``benchmarks/products.json``: their HS codes are the demo data's plus others
that exist in the HS nomenclature the app validates against; ``benchmarks.dataset`` checks every
one of them before generating anything.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from market.matching.scoring import rates

__all__ = [
    "CHAMBER_CITIES",
    "COUNTRIES",
    "COUNTRY_NAMES",
    "EMAIL_TLD",
    "EXTRA_CITIES",
    "GAZETTEER_COUNTRIES",
    "LOCAL_CURRENCY",
    "ORG_ROOTS",
    "ORG_RUSSIAN_FORM",
    "ORG_RUSSIAN_ROOTS",
    "ORG_SECTORS",
    "ORG_SUFFIX",
    "PACKAGING_EN",
    "PACKAGING_RU",
    "PHONE_CODE",
    "PRODUCTS",
    "PRODUCTS_FILE",
    "Product",
    "load_products",
    "usd_to",
]

COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM", "CN", "RU")
"""Where organizations are, weighted in ``dataset``."""

COUNTRY_NAMES = {
    "KZ": ("Kazakhstan", "Казахстан"),
    "UZ": ("Uzbekistan", "Узбекистан"),
    "TJ": ("Tajikistan", "Таджикистан"),
    "KG": ("Kyrgyzstan", "Кыргызстан"),
    "TM": ("Turkmenistan", "Туркменистан"),
    "CN": ("China", "Китай"),
    "RU": ("Russia", "Россия"),
}

GAZETTEER_COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM")
"""Countries whose towns the benchmark takes from the gazetteer (by population)."""

EXTRA_CITIES: dict[str, list[tuple[str, str]]] = {
    # The gazetteer reaches only the border regions of China and Russia: the app places Urumqi,
    # Kashgar, Khorgos, Omsk and Orenburg, and stores the others with their country only.
    "CN": [
        ("Urumqi", "Урумчи"),
        ("Kashgar", "Кашгар"),
        ("Khorgos", "Хоргос"),
        ("Yiwu", "Иу"),
        ("Xi'an", "Сиань"),
        ("Lanzhou", "Ланьчжоу"),
    ],
    "RU": [
        ("Moscow", "Москва"),
        ("Novosibirsk", "Новосибирск"),
        ("Yekaterinburg", "Екатеринбург"),
        ("Omsk", "Омск"),
        ("Orenburg", "Оренбург"),
        ("Astrakhan", "Астрахань"),
    ],
}

CHAMBER_CITIES = {"KZ": 3, "UZ": 3, "TJ": 1, "KG": 2, "TM": 1}
"""How many chambers of commerce each country gets (they verify the other organizations)."""

ORG_ROOTS: dict[str, list[str]] = {
    "KZ": ["Steppe", "Tobyl", "Qaragandy", "Altyn", "Ontustik", "Zhetysu", "Irtysh", "Caspian", "Saryarka"],
    "UZ": [
        "Vodiy",
        "Zarafshon",
        "Toshkent",
        "Samarqand",
        "Fargona",
        "Buxoro",
        "Navoiy",
        "Andijon",
        "Amudaryo",
    ],
    "TJ": ["Hisor", "Pamir", "Sughd", "Varzob", "Khujand", "Vakhsh"],
    "KG": ["Alai", "Issyk-Kul", "Ala-Too", "Chui", "Naryn", "Talas"],
    "TM": ["Garagum", "Balkan", "Lebap", "Ahal"],
    "CN": ["Xinjiang Silk Road", "Kashgar Tianshan", "Urumqi Hongda", "Yiwu Jinsheng", "Khorgos Gateway"],
    "RU": ["Sibirsky", "Ural", "Volga", "Orenburg", "Altai"],
}
ORG_RUSSIAN_ROOTS = ["Степь", "Тобыл", "Алтын", "Иртыш", "Сибирь", "Урал", "Восток", "Шёлковый путь"]
ORG_SECTORS: list[tuple[str, str]] = [
    ("Grain", "Зерно"),
    ("Agro", "Агро"),
    ("Metals", "Металл"),
    ("Textile", "Текстиль"),
    ("Trade House", "Торговый дом"),
    ("Foods", "Продукт"),
    ("Polymer", "Полимер"),
    ("Auto", "Авто"),
    ("Logistics and Trade", "Логистик"),
    ("Building Materials", "Стройматериалы"),
    ("Fruit", "Фрукт"),
    ("Energy", "Энерго"),
]
ORG_SUFFIX = {"KZ": "LLP", "UZ": "LLC", "TJ": "LLC", "KG": "LLC", "TM": "HJ", "CN": "Co., Ltd.", "RU": "LLC"}
ORG_RUSSIAN_FORM = {"KZ": "ТОО", "RU": "ООО", "UZ": "ООО", "KG": "ОсОО", "TJ": "ООО"}
EMAIL_TLD = {"KZ": "kz", "UZ": "uz", "TJ": "tj", "KG": "kg", "TM": "tm", "CN": "cn", "RU": "ru"}
PHONE_CODE = {
    "KZ": "+7 7",
    "UZ": "+998 ",
    "TJ": "+992 ",
    "KG": "+996 ",
    "TM": "+993 ",
    "CN": "+86 ",
    "RU": "+7 ",
}

LOCAL_CURRENCY = {"KZ": "KZT", "UZ": "UZS", "RU": "RUB", "CN": "CNY", "KG": "KGS"}
"""The currency a fifth of each country's prices are in (the rest are in USD); converted from
USD with the app's own table (``market/data/rates.json``)."""

PRODUCTS_FILE = Path(__file__).with_name("products.json")


class Product(msgspec.Struct, frozen=True, kw_only=True):
    """One kind of goods: names, specifications, unit, a price range in USD per unit."""

    hs_code: str
    en: tuple[str, ...]
    ru: tuple[str, ...]
    spec_en: tuple[str, ...]
    spec_ru: tuple[str, ...]
    unit: str
    price: tuple[float, float]
    quantity: tuple[int, int]
    modes: tuple[str, ...]
    origins: tuple[str, ...]
    certifications: tuple[str, ...] = ()


def load_products(path: Path = PRODUCTS_FILE) -> tuple[Product, ...]:
    """The goods of ``benchmarks/products.json``."""
    return msgspec.json.decode(path.read_bytes(), type=tuple[Product, ...])


def usd_to(currency: str, usd: float) -> float:
    """``usd`` US dollars in ``currency``, at the app's rates."""
    return usd * rates().per_usd[currency]


PRODUCTS = load_products()

PACKAGING_EN = (
    "Loading within two weeks of payment.",
    "Quality certificate with every lot.",
    "Samples available on request.",
    "Inspection by SGS or Bureau Veritas accepted.",
    "Payment by letter of credit or 30% prepayment.",
    "Regular monthly supply possible.",
)
PACKAGING_RU = (
    "Отгрузка в течение двух недель после оплаты.",
    "Сертификат качества на каждую партию.",
    "Образцы по запросу.",
    "Возможна инспекция SGS.",
    "Оплата: аккредитив или предоплата 30%.",
    "Возможны регулярные ежемесячные поставки.",
)
