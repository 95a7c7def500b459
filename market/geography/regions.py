"""Which GeoNames places the gazetteer takes, and the former names it adds to them.

The five countries come whole. Of the neighbours, only the first-level regions (GeoNames admin1
codes, checked against the region of each capital named below in ``cities1000``) that the route
network of ``market/data/routes.json`` reaches or borders:

- China: Xinjiang (CN.13, Ürümqi) holds every Chinese node of the network (Ürümqi, Kashgar, the
  Khorgos, Alashankou, Torugart and Irkeshtam crossings); no other Chinese region borders the
  five countries.
- Russia: the twelve regions along the Kazakh border, the only Russian border with the five
  countries, from the Caspian to the Altai: Astrakhan (07), Volgograd (84), Saratov (67),
  Samara (65), Orenburg (55), Chelyabinsk (13: Troitsk, the Kairak/Bugristoe crossing), Kurgan
  (40), Tyumen (78), Omsk (54), Novosibirsk (53), Altai Krai (04), Altai Republic (03).
- Afghanistan: the northern provinces along the Amu Darya and the Turkmen border, where the
  Termez-Hairatan and Panji Poyon-Sher Khan Bandar crossings lead: Herat (11), Badghis (02),
  Faryab (07), Jowzjan (31), Sar-e Pol (33), Balkh (30: Mazar-i-Sharif, Hairatan), Samangan
  (32), Kunduz (24), Baghlan (03), Takhar (26), Badakhshan (01).
"""

from __future__ import annotations

__all__ = ["COUNTRIES", "CURRENT_NAMES", "FORMER_NAMES", "NEIGHBOUR_REGIONS", "NORTH_AFGHANISTAN_ISO"]

COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM")
"""Taken whole."""

NEIGHBOUR_REGIONS: dict[str, frozenset[str]] = {
    "CN": frozenset({"13"}),
    "RU": frozenset({"07", "84", "67", "65", "55", "13", "40", "78", "54", "53", "04", "03"}),
    "AF": frozenset({"11", "02", "07", "31", "33", "30", "32", "24", "03", "26", "01"}),
}

NORTH_AFGHANISTAN_ISO = frozenset(
    {"HER", "BDG", "FYB", "JOW", "SAR", "BAL", "SAM", "KDZ", "BGL", "TAK", "BDS"}
)
"""The same eleven provinces as ISO 3166-2 codes (the subdivisions UN/LOCODE rows name)."""

# geonameid -> former names (Latin and Russian spellings). Each is the former official name
# given in the English Wikipedia article of the place (named after the #), most of them also
# among the GeoNames alternate names; listed so that they are told apart as former names and
# so that the Russian spelling is there even where GeoNames lacks it.
FORMER_NAMES: dict[int, tuple[str, ...]] = {
    1526273: (
        "Akmolinsk",
        "Tselinograd",
        "Akmola",
        "Nur-Sultan",
        "Акмолинск",
        "Целиноград",
        "Акмола",
        "Нур-Султан",
    ),  # Astana
    1526384: ("Verny", "Alma-Ata", "Верный", "Алма-Ата"),  # Almaty
    610529: ("Guryev", "Gurev", "Гурьев"),  # Atyrau
    1518980: ("Chimkent", "Чимкент"),  # Shymkent
    1516905: ("Aulie-Ata", "Dzhambul", "Zhambyl", "Аулие-Ата", "Джамбул"),  # Taraz
    1519922: ("Ak-Mechet", "Perovsk", "Kzyl-Orda", "Ак-Мечеть", "Перовск", "Кзыл-Орда"),  # Kyzylorda
    610612: ("Shevchenko", "Шевченко"),  # Aktau
    1519422: ("Semipalatinsk", "Семипалатинск"),  # Semey
    1521370: ("Leninogorsk", "Лениногорск"),  # Ridder
    1521368: ("Leninsk", "Ленинск"),  # Baikonur
    610611: ("Aktyubinsk", "Актюбинск"),  # Aktobe
    1522203: ("Kokchetav", "Кокчетав"),  # Kokshetau
    1519928: ("Kustanai", "Кустанай"),  # Kostanay
    1516589: ("Dzhezkazgan", "Джезказган"),  # Zhezkazgan
    1518542: ("Taldy-Kurgan", "Талды-Курган"),  # Taldykorgan
    1513131: ("Kermine", "Кермине"),  # Navoiy
    1513966: ("Mirzachul", "Мирзачуль"),  # Guliston
    1514879: ("Leninabad", "Khodzhent", "Ленинабад", "Ходжент"),  # Khujand
    1221874: ("Stalinabad", "Сталинабад"),  # Dushanbe
    1220747: ("Kurgan-Tyube", "Qurghonteppa", "Курган-Тюбе"),  # Bokhtar
    1220855: ("Ordzhonikidzeabad", "Kofarnihon", "Орджоникидзеабад"),  # Vahdat
    1220253: ("Ura-Tyube", "Ура-Тюбе"),  # Istaravshan
    1538311: ("Chkalovsk", "Чкаловск"),  # Buston (Sughd)
    1528675: ("Pishpek", "Frunze", "Пишпек", "Фрунзе"),  # Bishkek
    1528121: ("Przhevalsk", "Пржевальск"),  # Karakol
    1527004: ("Rybachye", "Рыбачье"),  # Balykchy
    601594: ("Krasnovodsk", "Красноводск"),  # Türkmenbaşy
    1219649: ("Chardzhou", "Chardzhev", "Чарджоу", "Чарджев"),  # Türkmenabat
    601734: ("Tashauz", "Ташауз"),  # Daşoguz
    161616: ("Nebit-Dag", "Небит-Даг"),  # Balkanabat
    161931: ("Kizyl-Arvat", "Кизыл-Арват"),  # Serdar (GeoNames: Gyzylarbat)
    1218667: ("Merv", "Мерв"),  # Mary
    162183: ("Poltoratsk", "Полторацк"),  # Ashgabat
}

# geonameid -> names in everyday use today that GeoNames' alternate names may lack: the English
# and Russian forms of towns whose GeoNames name is the local one. They are current names (a
# match on them is "name", not "former_name"); the Russian forms are those of the Russian
# Wikipedia article of each place (named after the #).
CURRENT_NAMES: dict[int, tuple[str, ...]] = {
    1512979: ("Kokand", "Коканд"),  # Qo'qon
    1513131: ("Navoi", "Навои"),  # Navoiy
    1221194: ("Kulyab", "Куляб"),  # Kulob
    1514891: ("Kanibadam", "Канибадам"),  # Konibodom
    1220798: ("Pendzhikent", "Пенджикент"),  # Panjakent
    162183: ("Ashkhabad", "Ашхабад"),  # Ashgabat
}
