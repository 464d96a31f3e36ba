"""Varied phrasings, written for these tests (not taken from the gold set), that check the
rules generalise: each short text in the way a different outlet might write it, with every
statement a curator would draft from it: speakers, kind and text."""

from __future__ import annotations

import pytest

from bot.core.models import Kind, Lang
from tests.curation.conftest import Extract

Expected = list[tuple[tuple[str, ...], Kind, str]]

PHRASINGS: list[tuple[Lang, str, Expected]] = [
    (
        "en",
        (
            "Lapid spoke after the vote. “The government has failed,” he said. He added "
            "that early elections were needed."
        ),
        [
            (("yair-lapid",), Kind.DIRECT, "The government has failed"),
            (("yair-lapid",), Kind.PARAPHRASE, "early elections were needed"),
        ],
    ),
    (
        "en",
        (
            "Smotrich and Ben-Gvir met in Jerusalem on Sunday. They said the cabinet "
            "should reject the plan."
        ),
        [
            (
                ("bezalel-smotrich", "itamar-ben-gvir"),
                Kind.PARAPHRASE,
                "the cabinet should reject the plan",
            ),
        ],
    ),
    (
        "en",
        (
            "Egyptian officials said the crossing would reopen on Wednesday. One "
            "official said trucks were already waiting."
        ),
        [
            (("egyptian-officials",), Kind.PARAPHRASE, "the crossing would reopen on Wednesday"),
            (("egyptian-officials",), Kind.PARAPHRASE, "trucks were already waiting"),
        ],
    ),
    (
        "en",
        "The Israeli PM told the Knesset that the war aims had not changed.",
        [
            (("benjamin-netanyahu",), Kind.PARAPHRASE, "the war aims had not changed"),
        ],
    ),
    (
        "en",
        "“It is a good day for peace,” Trump wrote on Truth Social.",
        [
            (("donald-trump",), Kind.DIRECT, "It is a good day for peace"),
        ],
    ),
    (
        "en",
        "“The plan is dead,” said a Hamas spokesman, Hazem Qassem.",
        [
            (("hazem-qassem",), Kind.DIRECT, "The plan is dead"),
        ],
    ),
    (
        "en",
        "Speaking to reporters in Cairo, Sisi warned that the ceasefire remained fragile.",
        [
            (("abdel-fattah-el-sisi",), Kind.PARAPHRASE, "the ceasefire remained fragile"),
        ],
    ),
    (
        "en",
        "The talks, the mediators said, would resume in Cairo next week.",
        [
            (("mediators",), Kind.PARAPHRASE, "The talks would resume in Cairo next week"),
        ],
    ),
    (
        "en",
        (
            "“We will rebuild Gaza,” Sisi said. “But the fighting has to stop "
            "first.”\n\n“Nobody can do it alone.”"
        ),
        [
            (
                ("abdel-fattah-el-sisi",),
                Kind.DIRECT,
                "We will rebuild Gaza. But the fighting has to stop first.",
            ),
            (("abdel-fattah-el-sisi",), Kind.DIRECT, "Nobody can do it alone."),
        ],
    ),
    (
        "en",
        (
            "Guterres addressed the Security Council on Monday. The crossings must open "
            "at once, he said."
        ),
        [
            (("antonio-guterres",), Kind.PARAPHRASE, "The crossings must open at once"),
        ],
    ),
    (
        "en",
        "Hamas had agreed to hand over the remaining bodies, the BBC reported on Friday.",
        [
            (("hamas",), Kind.REPORTED, "Hamas had agreed to hand over the remaining bodies"),
        ],
    ),
    (
        "en",
        "Sisi and Trump hailed the agreement as a turning point.",
        [
            (
                ("abdel-fattah-el-sisi", "donald-trump"),
                Kind.PARAPHRASE,
                "the agreement as a turning point",
            ),
        ],
    ),
    (
        "id",
        (
            'Lapid berbicara setelah pemungutan suara. "Pemerintah telah gagal," kata '
            "dia. Ia menambahkan pemilu harus segera digelar."
        ),
        [
            (("yair-lapid",), Kind.DIRECT, "Pemerintah telah gagal"),
            (("yair-lapid",), Kind.PARAPHRASE, "pemilu harus segera digelar"),
        ],
    ),
    (
        "id",
        (
            "Smotrich dan Ben-Gvir bertemu di Yerusalem. Keduanya menilai kabinet harus "
            "menolak rencana itu."
        ),
        [
            (
                ("bezalel-smotrich", "itamar-ben-gvir"),
                Kind.PARAPHRASE,
                "kabinet harus menolak rencana itu",
            ),
        ],
    ),
    (
        "id",
        (
            "Pejabat Mesir mengatakan perlintasan akan dibuka kembali pada Rabu. Menurut "
            "mereka, truk bantuan sudah menunggu."
        ),
        [
            (("egyptian-officials",), Kind.PARAPHRASE, "perlintasan akan dibuka kembali pada Rabu"),
            (("egyptian-officials",), Kind.PARAPHRASE, "truk bantuan sudah menunggu"),
        ],
    ),
    (
        "id",
        "PM Israel mengatakan kepada parlemen bahwa tujuan perang tidak berubah.",
        [
            (("benjamin-netanyahu",), Kind.PARAPHRASE, "tujuan perang tidak berubah"),
        ],
    ),
    (
        "id",
        (
            "Netanyahu tiba di Washington. Dalam pertemuan itu, dia menegaskan Israel "
            "tidak akan mundur."
        ),
        [
            (("benjamin-netanyahu",), Kind.PARAPHRASE, "Israel tidak akan mundur"),
        ],
    ),
    (
        "id",
        "Perang sudah berakhir, tutur Trump kepada wartawan di Gedung Putih.",
        [
            (("donald-trump",), Kind.PARAPHRASE, "Perang sudah berakhir"),
        ],
    ),
    (
        "id",
        (
            "Sekjen PBB Antonio Guterres berbicara di New York. Gencatan senjata harus "
            "dijaga, katanya."
        ),
        [
            (("antonio-guterres",), Kind.PARAPHRASE, "Gencatan senjata harus dijaga"),
        ],
    ),
    (
        "id",
        "Guterres mendesak agar bantuan segera masuk. Menurutnya, kelaparan sudah meluas.",
        [
            (("antonio-guterres",), Kind.PARAPHRASE, "agar bantuan segera masuk"),
            (("antonio-guterres",), Kind.PARAPHRASE, "kelaparan sudah meluas"),
        ],
    ),
    (
        "id",
        "Juru bicara Hamas, Hazem Qassem, mengatakan kelompoknya berkomitmen pada kesepakatan.",
        [
            (("hazem-qassem",), Kind.PARAPHRASE, "kelompoknya berkomitmen pada kesepakatan"),
        ],
    ),
    (
        "id",
        '"Kami siap melanjutkan perundingan," kata juru bicara Hamas Hazem Qassem.',
        [
            (("hazem-qassem",), Kind.DIRECT, "Kami siap melanjutkan perundingan"),
        ],
    ),
    (
        "id",
        "Sebagaimana dilaporkan Al Jazeera, pejabat Hamas menolak usulan itu.",
        [
            (("hamas-officials",), Kind.REPORTED, "usulan itu"),
        ],
    ),
    (
        "id",
        (
            "Israel dan Hamas sepakat memperpanjang gencatan senjata. Hal ini "
            "diungkapkan oleh juru bicara Kementerian Luar Negeri Qatar, Majed al-Ansari."
        ),
        [
            (
                ("majed-al-ansari",),
                Kind.PARAPHRASE,
                "Israel dan Hamas sepakat memperpanjang gencatan senjata",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected"), PHRASINGS)
def test_a_phrasing(extracted: Extract, lang: Lang, text: str, expected: Expected) -> None:
    result = extracted(text, lang)

    assert [(s.speakers, s.kind, s.text) for s in result.statements] == expected


# Facts the article states itself, in sentences with words that can be verbs of saying: no
# statement, and no speaker made up from a thing ("Kesepakatan itu", "The plan, which …").
FACTS: list[tuple[Lang, str]] = [
    ("en", "The deal calls for Israel to free nearly 2,000 prisoners."),
    ("en", "The plan, which Trump announced last month, has 20 points."),
    ("en", "Hamas, which has ruled Gaza since 2007, has not commented."),
    ("en", "The agreement, dubbed “Peace Now” by its backers, was signed in Sharm el-Sheikh."),
    ("id", "Kesepakatan itu meminta Israel membebaskan hampir 2.000 tahanan."),
    ("id", "Laporan tersebut menyebutkan jumlah korban terus bertambah."),
    ("id", "Gencatan senjata yang diumumkan pada 9 Oktober sebagian besar bertahan."),
    ("id", "Rencana yang diumumkan Trump bulan lalu memiliki 20 poin."),
    ("id", "Hamas, yang menguasai Gaza sejak 2007, belum memberikan tanggapan."),
]


@pytest.mark.parametrize(("lang", "text"), FACTS)
def test_a_fact_is_no_statement(extracted: Extract, lang: Lang, text: str) -> None:
    result = extracted(text, lang)

    assert result.statements == () and result.new_speakers == ()
