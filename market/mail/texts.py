"""The words of every email, in the six languages organizations are written to.

Each text is a ``str.format`` template over the same fields: ``counterpart`` (the other
organization's name), ``country`` (its country, named in the reader's language), ``listing`` (the
listing's title) and ``when`` (the event's date and time). The renderer adds the quoted message and
the API path to act on; no text holds a contact detail.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "LANGUAGES",
    "MAIL_EVENT_TYPES",
    "TEXTS",
    "Language",
    "LanguageTexts",
    "MailEventType",
    "TypeTexts",
]

Language = Literal["en", "ru", "uz", "kk", "tg", "ky"]
LANGUAGES: tuple[Language, ...] = ("en", "ru", "uz", "kk", "tg", "ky")

MailEventType = Literal["introduction.requested", "introduction.accepted", "introduction.message"]
MAIL_EVENT_TYPES: tuple[MailEventType, ...] = (
    "introduction.requested",
    "introduction.accepted",
    "introduction.message",
)
"""The event types that are emailed (the trigger of ``0013_mail.sql`` names the same)."""


class TypeTexts(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    lead: str
    """The opening paragraph: who did what about which listing, and when."""
    action: str
    """Introduces the API path where the reader acts (followed by a colon and the path)."""


class LanguageTexts(msgspec.Struct, frozen=True, kw_only=True):
    message_label: str
    """Introduces the quoted message."""
    footer: str
    types: dict[MailEventType, TypeTexts]


TEXTS: dict[Language, LanguageTexts] = {
    "en": LanguageTexts(
        message_label="Their message",
        footer="market sent this email automatically; replies to it are not read.",
        types={
            "introduction.requested": TypeTexts(
                subject="Introduction request: {listing}",
                lead="{counterpart} ({country}) asks to be introduced about your listing “{listing}” "
                "({when}).",
                action="See the request and accept or decline it",
            ),
            "introduction.accepted": TypeTexts(
                subject="Introduction accepted: {listing}",
                lead="{counterpart} ({country}) accepted your introduction request about “{listing}” "
                "({when}). You can now see each other's contact details and write to each other.",
                action="See the introduction",
            ),
            "introduction.message": TypeTexts(
                subject="New message about {listing}",
                lead="{counterpart} ({country}) wrote to you about “{listing}” ({when}).",
                action="Read the conversation and reply",
            ),
        },
    ),
    "ru": LanguageTexts(
        message_label="Сообщение",
        footer="Это письмо market отправил автоматически; ответы на него не читаются.",
        types={
            "introduction.requested": TypeTexts(
                subject="Запрос на знакомство: {listing}",
                lead="{counterpart} ({country}) просит познакомить по вашему объявлению «{listing}» "
                "({when}).",
                action="Посмотреть запрос, принять или отклонить его",
            ),
            "introduction.accepted": TypeTexts(
                subject="Знакомство принято: {listing}",
                lead="{counterpart} ({country}) принимает ваш запрос на знакомство по объявлению "
                "«{listing}» ({when}). Теперь вам видны контакты друг друга и можно переписываться.",
                action="Посмотреть знакомство",
            ),
            "introduction.message": TypeTexts(
                subject="Новое сообщение: {listing}",
                lead="{counterpart} ({country}) пишет вам по объявлению «{listing}» ({when}).",
                action="Прочитать переписку и ответить",
            ),
        },
    ),
    "uz": LanguageTexts(
        message_label="Xabar",
        footer="Bu xatni market avtomatik yubordi; unga yozilgan javoblar oʻqilmaydi.",
        types={
            "introduction.requested": TypeTexts(
                subject="Tanishuv soʻrovi: {listing}",
                lead="{counterpart} ({country}) sizning «{listing}» eʼloningiz boʻyicha tanishtirishni "
                "soʻramoqda ({when}).",
                action="Soʻrovni koʻrish, qabul qilish yoki rad etish",
            ),
            "introduction.accepted": TypeTexts(
                subject="Tanishuv qabul qilindi: {listing}",
                lead="{counterpart} ({country}) «{listing}» eʼloni boʻyicha tanishuv soʻrovingizni qabul "
                "qildi ({when}). Endi bir-biringizning aloqa maʼlumotlarini koʻrib, yozishishingiz mumkin.",
                action="Tanishuvni koʻrish",
            ),
            "introduction.message": TypeTexts(
                subject="Yangi xabar: {listing}",
                lead="{counterpart} ({country}) «{listing}» eʼloni boʻyicha sizga yozdi ({when}).",
                action="Yozishmani oʻqish va javob berish",
            ),
        },
    ),
    "kk": LanguageTexts(
        message_label="Хабарлама",
        footer="Бұл хатты market автоматты түрде жіберді; оған жазылған жауаптар оқылмайды.",
        types={
            "introduction.requested": TypeTexts(
                subject="Танысу сұрауы: {listing}",
                lead="{counterpart} ({country}) сіздің «{listing}» хабарландыруыңыз бойынша танысуды "
                "сұрайды ({when}).",
                action="Сұрауды көру, қабылдау немесе қабылдамау",
            ),
            "introduction.accepted": TypeTexts(
                subject="Танысу қабылданды: {listing}",
                lead="{counterpart} ({country}) «{listing}» хабарландыруы бойынша танысу сұрауыңызды "
                "қабылдады ({when}). Енді бір-біріңіздің байланыс деректеріңізді көріп, хат алмаса "
                "аласыздар.",
                action="Танысуды көру",
            ),
            "introduction.message": TypeTexts(
                subject="Жаңа хабарлама: {listing}",
                lead="{counterpart} ({country}) «{listing}» хабарландыруы бойынша сізге жазды ({when}).",
                action="Хат алмасуды оқу және жауап беру",
            ),
        },
    ),
    "tg": LanguageTexts(
        message_label="Паём",
        footer="Ин мактубро market ба таври худкор фиристод; ҷавобҳо ба он хонда намешаванд.",
        types={
            "introduction.requested": TypeTexts(
                subject="Дархости шиносоӣ: {listing}",
                lead="{counterpart} ({country}) оид ба эълони шумо «{listing}» шиносоиро дархост мекунад "
                "({when}).",
                action="Дархостро дидан, қабул ё рад кардан",
            ),
            "introduction.accepted": TypeTexts(
                subject="Шиносоӣ қабул шуд: {listing}",
                lead="{counterpart} ({country}) дархости шиносоии шуморо оид ба эълони «{listing}» қабул "
                "кард ({when}). Акнун шумо маълумоти тамоси якдигарро дида, ба ҳамдигар навишта метавонед.",
                action="Шиносоиро дидан",
            ),
            "introduction.message": TypeTexts(
                subject="Паёми нав: {listing}",
                lead="{counterpart} ({country}) оид ба эълони «{listing}» ба шумо навишт ({when}).",
                action="Мукотибаро хондан ва ҷавоб додан",
            ),
        },
    ),
    "ky": LanguageTexts(
        message_label="Билдирүү",
        footer="Бул катты market автоматтык түрдө жөнөттү; ага жазылган жооптор окулбайт.",
        types={
            "introduction.requested": TypeTexts(
                subject="Таанышуу өтүнүчү: {listing}",
                lead="{counterpart} ({country}) сиздин «{listing}» жарнамаңыз боюнча таанышууну суранат "
                "({when}).",
                action="Өтүнүчтү көрүү, кабыл алуу же четке кагуу",
            ),
            "introduction.accepted": TypeTexts(
                subject="Таанышуу кабыл алынды: {listing}",
                lead="{counterpart} ({country}) «{listing}» жарнамасы боюнча таанышуу өтүнүчүңүздү кабыл "
                "алды ({when}). Эми бири-бириңердин байланыш маалыматтарын көрүп, кат жазыша аласыздар.",
                action="Таанышууну көрүү",
            ),
            "introduction.message": TypeTexts(
                subject="Жаңы билдирүү: {listing}",
                lead="{counterpart} ({country}) «{listing}» жарнамасы боюнча сизге жазды ({when}).",
                action="Кат алышууну окуу жана жооп берүү",
            ),
        },
    ),
}
