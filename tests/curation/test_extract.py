"""The rules that find statements, each on a small text in English and in Indonesian."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.models import Kind, Lang
from bot.curation.extract import Statement
from tests.curation.conftest import Extract


def found(extraction: object) -> list[tuple[tuple[str, ...], Kind, str | None, str]]:
    statements: tuple[Statement, ...] = extraction.statements  # type: ignore[attr-defined]
    return [(s.speakers, s.kind, s.cue, s.text) for s in statements]


GUTERRES, RUBIO = ("antonio-guterres",), ("marco-rubio",)
NETANYAHU, TRUMP = ("benjamin-netanyahu",), ("donald-trump",)

# --- direct ---


def test_a_quotation_and_its_attribution_after_or_before_it(extracted: Extract) -> None:
    english = extracted(
        """
        “We have a timetable,” US Secretary of State Marco Rubio told reporters.

        In a post, Guterres wrote: “The guns must fall silent.”
        """,
        "en",
    )
    indonesian = extracted('"Semua sandera harus dibebaskan," kata Guterres, Kamis.', "id")

    assert found(english) == [
        (RUBIO, Kind.DIRECT, "told", "We have a timetable"),
        (GUTERRES, Kind.DIRECT, "wrote", "The guns must fall silent."),
    ]
    assert found(indonesian) == [(GUTERRES, Kind.DIRECT, "kata", "Semua sandera harus dibebaskan")]


def test_quoted_sentences_in_a_row_and_quotes_continued_over_paragraphs_are_one_statement(
    extracted: Extract,
) -> None:
    joined = extracted("“We are ready,” Rubio said. “The rest is up to them.”", "en")
    continued = extracted(
        """
        Guterres mengatakan: "Ini hari yang penting.

        "Kita harus menjaga gencatan senjata ini."
        """,
        "id",
    )

    assert found(joined) == [(RUBIO, Kind.DIRECT, "said", "We are ready. The rest is up to them.")]
    assert found(continued) == [
        (GUTERRES, Kind.DIRECT, "mengatakan",
         "Ini hari yang penting. Kita harus menjaga gencatan senjata ini."),
    ]  # fmt: skip


def test_a_quotation_in_a_paragraph_of_its_own_is_the_last_speakers(extracted: Extract) -> None:
    result = extracted(
        """
        “We have a timetable,” Rubio said.

        “Nobody should mistake it for peace.”
        """,
        "en",
    )

    assert found(result)[1] == (RUBIO, Kind.DIRECT, None, "Nobody should mistake it for peace.")


def test_scare_quotes_and_quoted_names_are_not_statements(extracted: Extract) -> None:
    english = extracted("Troops pulled back to the so-called “yellow line” on Monday.", "en")
    indonesian = extracted('Pasukan Israel mundur ke "garis kuning" sesuai kesepakatan.', "id")

    assert found(english) == found(indonesian) == []


def test_a_few_quoted_words_inside_a_sentence_keep_it_a_paraphrase(extracted: Extract) -> None:
    result = extracted("Guterres called the deal “a historic step”.", "en")

    assert found(result) == [(GUTERRES, Kind.PARAPHRASE, "called", "the deal “a historic step”")]


# --- paraphrase ---


@pytest.mark.parametrize(
    ("text", "cue", "said"),
    [
        ("Guterres said that the crossings must open.", "said", "the crossings must open"),
        ("Aid must flow now, Guterres said on Friday.", None, "Aid must flow now"),
        ("According to Guterres, aid must flow.", "According to", "aid must flow"),
        ("The UN chief told reporters he was hopeful.", "told", "he was hopeful"),
        ("Guterres urged Israel to open the crossings.", "urged", "Israel to open the crossings"),
    ],
)  # fmt: skip
def test_english_paraphrases(extracted: Extract, text: str, cue: str | None, said: str) -> None:
    assert found(extracted(text, "en")) == [(GUTERRES, Kind.PARAPHRASE, cue, said)]


# The Indonesian verbs of saying the issue names, each in a sentence of its own.
INDONESIAN = [
    ("Guterres mengatakan perlintasan harus dibuka.", "mengatakan"),
    ("Guterres menyatakan perlintasan harus dibuka.", "menyatakan"),
    ("Guterres menegaskan bahwa perlintasan harus dibuka.", "menegaskan"),
    ("Guterres mendesak Israel membuka perlintasan.", "mendesak"),
    ("Guterres menyambut baik pembukaan perlintasan.", "menyambut"),
    ("Menurut Guterres, perlintasan harus dibuka.", "Menurut"),
    ("Guterres juga mengungkapkan perlintasan harus dibuka.", "mengungkapkan"),
    ("Guterres menuturkan, perlintasan harus dibuka.", "menuturkan"),
]


@pytest.mark.parametrize(("text", "cue"), INDONESIAN)
def test_indonesian_verbs_of_saying_beyond_kata(extracted: Extract, text: str, cue: str) -> None:
    [(speakers, kind, found_cue, said)] = found(extracted(text, "id"))

    assert (speakers, kind, found_cue) == (GUTERRES, Kind.PARAPHRASE, cue)
    assert "perlintasan" in said and "Guterres" not in said and not said.startswith("bahwa")


def test_ujar_ungkap_tutur_after_a_quote_and_pronouns(extracted: Extract) -> None:
    result = extracted(
        """
        Rubio tiba di Kairo. "Kami siap," ujarnya.

        "Semua pihak harus menahan diri," ungkap Guterres. "Ini penting," tutur dia.
        """,
        "id",
    )

    assert [(s, c) for s, _, c, _ in found(result)] == [
        (RUBIO, "ujarnya"), (GUTERRES, "ungkap"), (GUTERRES, "tutur"),
    ]  # fmt: skip


def test_what_is_denied_or_not_said_is_no_statement(extracted: Extract) -> None:
    assert found(extracted("Rubio did not say when the force would deploy.", "en")) == []
    assert found(extracted("Netanyahu tidak mengatakan kapan pasukan ditarik.", "id")) == []


# --- reported ---


def test_reports_of_other_outlets_name_who_reports(extracted: Extract) -> None:
    english = extracted(
        """
        Reuters reported that Netanyahu had assured both men.

        Al-Haddad has reportedly told commanders to hold fire.

        According to the Associated Press, Hamas officials promised safe passage.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Dilansir dari BBC, pejabat Mesir menyebut penandatanganan akan dilakukan pekan ini.

        "Kami tidak akan menyerah," kata Smotrich seperti dikutip dari The Times of Israel.
        """,
        "id",
    )

    assert [(s.speakers, s.kind, s.reported_by) for s in english.statements] == [
        (("benjamin-netanyahu",), Kind.REPORTED, "Reuters"),
        (("izz-al-din-al-haddad",), Kind.REPORTED, None),
        (("hamas-officials",), Kind.REPORTED, "Associated Press"),
    ]
    assert [(s.speakers, s.kind, s.reported_by, s.text) for s in indonesian.statements] == [
        (("egyptian-officials",), Kind.REPORTED, "BBC",
         "penandatanganan akan dilakukan pekan ini"),
        (("bezalel-smotrich",), Kind.REPORTED, "The Times of Israel",
         "Kami tidak akan menyerah"),
    ]  # fmt: skip


# --- speakers and dates ---


def test_an_unknown_speaker_becomes_a_new_speaker(extracted: Extract) -> None:
    result = extracted(
        '"We will stay," said Khalid al-Mansouri, a spokesman for the foreign ministry.', "en"
    )

    [speaker] = result.new_speakers
    assert (speaker.id, speaker.name, speaker.role) == (
        "khalid-al-mansouri", "Khalid al-Mansouri", "spokesman for the foreign ministry",
    )  # fmt: skip
    assert result.statements[0].speakers == ("khalid-al-mansouri",)


def test_a_date_the_attribution_gives_dates_the_statement(extracted: Extract) -> None:
    indonesian = extracted('"Semua sandera harus dibebaskan," kata Guterres, Rabu (8/10).', "id")
    english = extracted("Rubio said on 7 October that the talks were going well.", "en")

    assert [s.when.said for s in indonesian.statements] == [dt.date(2025, 10, 8)]
    assert found(english) == [(RUBIO, Kind.PARAPHRASE, "said", "the talks were going well")]
    assert [s.when.said for s in english.statements] == [dt.date(2025, 10, 7)]


def test_a_relative_date_is_flagged_and_never_turned_into_one(extracted: Extract) -> None:
    english = extracted("Guterres told the BBC last week that he was hopeful.", "en")
    indonesian = extracted("Kemarin, Guterres mengatakan perundingan berjalan baik.", "id")

    assert [(s.when.said, s.when.relative) for s in english.statements] == [(None, "last week")]
    assert [(s.when.said, s.when.relative) for s in indonesian.statements] == [(None, "Kemarin")]


def test_what_the_statement_itself_dates_does_not_date_it(extracted: Extract) -> None:
    result = extracted("Netanyahu said his cabinet would meet on Thursday.", "en")

    assert result.statements[0].when.said is None
    assert result.statements[0].when.relative is None


def test_a_date_without_a_year_after_the_article_is_from_the_year_before(
    extracted: Extract,
) -> None:
    result = extracted("Guterres said on 20 December that aid was blocked.", "en")

    assert result.statements[0].when.said == dt.date(2024, 12, 20)


@pytest.mark.parametrize(
    ("sentence", "lang", "reporter"),
    [
        ("The state-run Al-Ahram newspaper reported that Egyptian officials were ready.", "en",
         "Al-Ahram"),
        ("Channel 12 reported that Netanyahu had assured both men.", "en", "Channel 12"),
        ("Harian The New York Times melaporkan pejabat Mesir siap.", "id", "The New York Times"),
        ("According to Haaretz, Lapid reportedly backed the plan.", "en", "Haaretz"),
    ],
)  # fmt: skip
def test_who_reports_is_named_as_the_outlet_alone(
    extracted: Extract, sentence: str, lang: Lang, reporter: str
) -> None:
    [statement] = extracted(sentence, lang).statements

    assert (statement.kind, statement.reported_by) == (Kind.REPORTED, reporter)


# --- an Indonesian clause before its verb of saying ---


@pytest.mark.parametrize(
    ("text", "speakers", "cue"),
    [
        ("Perlintasan Rafah harus segera dibuka, ujar Guterres di New York.", GUTERRES, "ujar"),
        ("Bantuan harus ditingkatkan, kata Guterres, Jumat (10/10/2025).", GUTERRES, "kata"),
        ("Kesepakatan ini akan dijalankan bertahap, tutur PM Israel.", NETANYAHU, "tutur"),
        ("Pasukan tidak akan mundur dari Gaza, ungkap Menlu AS.", RUBIO, "ungkap"),
        ("Gencatan senjata harus dijaga semua pihak, demikian disampaikan oleh Sekjen PBB.",
         GUTERRES, "disampaikan"),
    ],
)  # fmt: skip
def test_an_indonesian_clause_before_its_verb_and_speaker(
    extracted: Extract, text: str, speakers: tuple[str, ...], cue: str
) -> None:
    [(found_speakers, kind, found_cue, said)] = found(extracted(text, "id"))

    assert (found_speakers, kind, found_cue) == (speakers, Kind.PARAPHRASE, cue)
    assert said == text.split(",")[0]


def test_an_indonesian_clause_before_a_pronoun_verb_is_the_last_speakers(
    extracted: Extract,
) -> None:
    result = extracted(
        "Netanyahu menegaskan pasukan tidak akan mundur. Hamas harus dilucuti dulu, ujarnya.",
        "id",
    )
    alone = extracted("Semua pihak harus menahan diri, kata dia.", "id")

    assert found(result)[1] == (NETANYAHU, Kind.PARAPHRASE, "ujarnya", "Hamas harus dilucuti dulu")
    assert found(alone) == [] and alone.new_speakers == ()  # no one to point back to


def test_an_active_verb_after_an_appositive_is_not_a_clause_first(extracted: Extract) -> None:
    result = extracted(
        "Dana Levi, putri salah satu sandera, mendesak pemerintah bertindak lebih tegas.", "id"
    )

    assert [(s.speakers, s.text) for s in result.statements] == [
        (("dana-levi",), "pemerintah bertindak lebih tegas")
    ]


# --- "Hal itu disampaikan X": a statement named in the sentence after it ---


def test_hal_itu_disampaikan_gives_the_sentence_before_to_its_speaker(extracted: Extract) -> None:
    fact = extracted(
        "Israel tidak akan menarik pasukannya sebelum semua sandera pulang. "
        "Hal itu disampaikan Netanyahu dalam rapat kabinet.",
        "id",
    )
    quote = extracted(
        '"Kami tidak akan mundur satu langkah pun." '
        "Pernyataan tersebut ditegaskan oleh Menteri Keuangan Israel Bezalel Smotrich.",
        "id",
    )
    said_it = extracted(
        "Perundingan akan dilanjutkan di Kairo pekan depan. "
        "Rubio mengatakan hal itu kepada wartawan.",
        "id",
    )

    assert found(fact) == [
        (NETANYAHU, Kind.PARAPHRASE, "disampaikan",
         "Israel tidak akan menarik pasukannya sebelum semua sandera pulang"),
    ]  # fmt: skip
    assert found(quote) == [
        (
            ("bezalel-smotrich",),
            Kind.DIRECT,
            "ditegaskan",
            "Kami tidak akan mundur satu langkah pun.",
        )
    ]
    assert found(said_it) == [
        (RUBIO, Kind.PARAPHRASE, "mengatakan", "Perundingan akan dilanjutkan di Kairo pekan depan")
    ]


def test_hal_itu_reassigns_a_quotation_whose_speaker_was_a_guess(extracted: Extract) -> None:
    result = extracted(
        """
        "Bantuan harus masuk," kata Guterres.

        "Kami tidak akan mundur." Hal itu ditegaskan Netanyahu di Yerusalem.
        """,
        "id",
    )

    assert found(result)[1] == (NETANYAHU, Kind.DIRECT, "ditegaskan", "Kami tidak akan mundur.")


def test_hal_itu_with_nothing_before_makes_no_statement_or_speaker(extracted: Extract) -> None:
    result = extracted("Pernyataan itu disampaikan Menteri Luar Negeri Mesir Badr Abdelatty.", "id")

    assert found(result) == [] and result.new_speakers == ()


# --- around a quotation's attribution ---


def test_single_curly_quotation_marks(extracted: Extract) -> None:
    result = extracted(
        "‘We will not retreat,’ Netanyahu said. ‘Israel’s security comes first.’", "en"
    )

    assert found(result) == [
        (NETANYAHU, Kind.DIRECT, "said", "We will not retreat. Israel’s security comes first.")
    ]


def test_a_quotation_its_attribution_interrupts_is_one_statement(extracted: Extract) -> None:
    result = extracted("“Hamas must disarm,” Rubio said on Friday, “and it must do so soon.”", "en")

    assert found(result) == [
        (RUBIO, Kind.DIRECT, "said", "Hamas must disarm, and it must do so soon.")
    ]


def test_what_a_speaker_adds_after_a_quotations_attribution(extracted: Extract) -> None:
    english = extracted(
        "“Aid must flow,” the UN chief said, adding that the crossings had to open within days.",
        "en",
    )
    indonesian = extracted(
        '"Bantuan harus masuk," kata Guterres, seraya menambahkan bahwa perlintasan harus dibuka.',
        "id",
    )
    nothing_added = extracted("“Aid must flow,” Guterres said, adding to the confusion.", "en")

    assert found(english)[1] == (
        GUTERRES, Kind.PARAPHRASE, "adding", "the crossings had to open within days"
    )  # fmt: skip
    assert found(indonesian)[1] == (
        GUTERRES, Kind.PARAPHRASE, "menambahkan", "perlintasan harus dibuka"
    )  # fmt: skip
    assert len(found(nothing_added)) == 1


# --- speakers named after their statement, and who is not a speaker ---


def test_a_counted_description_is_the_joint_speakers_named_right_after(
    extracted: Extract,
) -> None:
    english = extracted(
        """
        Two senior ministers threatened on Monday to bring down the government.

        Finance Minister Bezalel Smotrich and National Security Minister Itamar Ben-Gvir said the
        deal was a surrender.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Dua menteri sayap kanan mengancam akan mundur dari pemerintahan.

        Smotrich dan Ben-Gvir menyebut kesepakatan itu sebagai penyerahan diri.
        """,
        "id",
    )

    joint = ("bezalel-smotrich", "itamar-ben-gvir")
    assert [s.speakers for s in english.statements] == [joint, joint]
    assert [s.speakers for s in indonesian.statements] == [joint, joint]
    assert english.new_speakers == indonesian.new_speakers == ()


def test_words_that_look_like_verbs_of_saying_but_are_not(extracted: Extract) -> None:
    english = extracted(
        """
        The US secretary of state said the second phase could begin next month.

        A spokesperson for the army, who asked not to be named, said troops fired warning shots.
        """,
        "en",
    )
    indonesian = extracted(
        "Dalam keterangan tertulis, Hamas menyatakan telah menyerahkan semua jenazah.", "id"
    )

    assert [(s.speakers, s.cue) for s in english.statements] == [
        (RUBIO, "said"), (("spokesperson",), "said"),
    ]  # fmt: skip
    assert [(s.speakers, s.cue) for s in indonesian.statements] == [(("hamas",), "menyatakan")]


def test_a_report_named_after_its_clause(extracted: Extract) -> None:
    english = extracted(
        "Israeli officials were preparing a new map of the buffer zone, Reuters reported.", "en"
    )
    indonesian = extracted("Pejabat Hamas menolak usulan itu, seperti dikutip dari Reuters.", "id")
    no_speaker = extracted("Bantuan sudah masuk ke Gaza utara, sebagaimana dilaporkan BBC.", "id")

    assert [(s.speakers, s.kind, s.cue, s.reported_by) for s in english.statements] == [
        (("israeli-officials",), Kind.REPORTED, "reported", "Reuters")
    ]
    assert [(s.speakers, s.kind, s.reported_by) for s in indonesian.statements] == [
        (("hamas-officials",), Kind.REPORTED, "Reuters")
    ]
    assert found(no_speaker) == [] and no_speaker.new_speakers == ()


def test_a_clause_about_the_speaker_before_a_colon_and_a_quotation(extracted: Extract) -> None:
    english = extracted('Trump, who hosted the summit, said: "This is a new beginning."', "en")
    indonesian = extracted(
        'Trump, yang menjadi tuan rumah KTT, mengatakan: "Ini awal yang baru."', "id"
    )

    assert found(english) == [(TRUMP, Kind.DIRECT, "said", "This is a new beginning.")]
    assert found(indonesian) == [(TRUMP, Kind.DIRECT, "mengatakan", "Ini awal yang baru.")]


def test_long_names_after_a_title_and_sources_as_speakers(extracted: Extract) -> None:
    english = extracted(
        """
        Qatar's prime minister, Sheikh Mohammed bin Abdulrahman Al Thani, said mediators were
        working around the clock.

        According to two people familiar with the talks, Qatar has offered to host the next round.

        Gaza's civil defence agency said at least 30 bodies had been recovered.
        """,
        "en",
    )
    indonesian = extracted(
        "Menurut sumber yang mengetahui perundingan itu, Qatar bersedia menjadi tuan rumah.", "id"
    )

    assert [(s.speakers, s.text) for s in english.statements] == [
        (("mohammed-bin-abdulrahman-al-thani",), "mediators were working around the clock"),
        (("people",), "Qatar has offered to host the next round"),
        (("gaza-civil-defence-agency",), "at least 30 bodies had been recovered"),
    ]
    assert [s.speakers for s in indonesian.statements] == [("sumber",)]


def test_a_passive_verb_of_saying_and_its_speaker_before_the_clause(extracted: Extract) -> None:
    result = extracted("Dikatakan oleh Guterres, bantuan harus ditingkatkan.", "id")

    assert found(result) == [(GUTERRES, Kind.PARAPHRASE, "Dikatakan", "bantuan harus ditingkatkan")]


def test_the_two_leaders_are_the_last_joint_speakers(extracted: Extract) -> None:
    english = extracted(
        "Trump and Sisi spoke by phone. The two leaders said the summit would go ahead.", "en"
    )
    indonesian = extracted(
        "Trump dan Sisi berbicara lewat telepon. Kedua pemimpin itu menyatakan KTT tetap digelar.",
        "id",
    )

    assert [s.speakers for s in english.statements] == [(*TRUMP, "abdel-fattah-el-sisi")]
    assert [s.speakers for s in indonesian.statements] == [(*TRUMP, "abdel-fattah-el-sisi")]


def test_verbs_of_going_on_attribute_only_after_a_quotation(extracted: Extract) -> None:
    english = extracted(
        """
        “We are committed,” Rubio said. “We will not retreat,” he continued.

        Israeli strikes continued in the north of the territory.
        """,
        "en",
    )
    indonesian = extracted(
        """
        "Kami berkomitmen," kata Rubio. "Kami tidak akan mundur," lanjutnya.

        Israel dan Hamas akan melanjutkan perundingan pekan depan.
        """,
        "id",
    )

    assert [(s.speakers, s.cue) for s in english.statements] == [
        (RUBIO, "said"), (RUBIO, "continued"),
    ]  # fmt: skip
    assert [(s.speakers, s.cue) for s in indonesian.statements] == [
        (RUBIO, "kata"), (RUBIO, "lanjutnya"),
    ]  # fmt: skip


def test_an_adverb_or_a_verb_opening_the_sentence_is_not_its_subject(extracted: Extract) -> None:
    english = extracted("Separately, Guterres said the crossings had to open.", "en")
    indonesian = extracted("Diberitakan sebelumnya, Guterres mengatakan bantuan tertahan.", "id")

    assert [s.speakers for s in english.statements] == [GUTERRES]
    assert [s.speakers for s in indonesian.statements] == [GUTERRES]
    assert english.new_speakers == indonesian.new_speakers == ()


def test_a_lede_whose_speaker_follows_and_a_clause_after_the_attribution(
    extracted: Extract,
) -> None:
    result = extracted(
        """
        Egypt will host talks next week on the second phase, two Egyptian security sources said
        on Monday, as mediators race to keep the truce.

        "The first phase was the easy part," one of the sources said.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Mesir akan menjadi tuan rumah perundingan pekan depan. Hal ini disampaikan dua sumber
        keamanan Mesir.

        "Tahap pertama adalah bagian yang mudah," ujar salah satu sumber.
        """,
        "id",
    )

    sources = ("egyptian-security-sources",)
    assert [(s.speakers, s.kind) for s in result.statements] == [
        (sources, Kind.PARAPHRASE), (sources, Kind.DIRECT),
    ]  # fmt: skip
    assert result.statements[0].text == "Egypt will host talks next week on the second phase"
    assert [s.speakers for s in indonesian.statements] == [("sumber-keamanan-mesir",)] * 2


def test_when_and_to_whom_between_the_subject_and_its_verb(extracted: Extract) -> None:
    english = extracted("The UN chief on Monday warned that aid was far below the level.", "en")
    indonesian = extracted(
        """
        Netanyahu tiba di Knesset.

        Di hadapan anggota parlemen, Senin, ia kembali menegaskan Israel tidak akan mundur.

        PBB pada Senin memperingatkan bahwa bantuan masih jauh di bawah target.
        """,
        "id",
    )

    assert [s.speakers for s in english.statements] == [GUTERRES]
    assert [s.speakers for s in indonesian.statements] == [NETANYAHU, ("pbb",)]


def test_a_place_alone_is_not_a_role_and_list_items_are_paragraphs(extracted: Extract) -> None:
    result = extracted(
        """
        Netanyahu met his cabinet on Sunday.

        - Israel says 13 bodies remain in Gaza
        - Hamas says it needs heavy machinery to recover them
        """,
        "en",
    )

    assert [(s.speakers, s.text) for s in result.statements] == [
        (("israel",), "13 bodies remain in Gaza"),
        (("hamas",), "it needs heavy machinery to recover them"),
    ]


def test_a_bracketed_acronym_does_not_end_a_speakers_name(extracted: Extract) -> None:
    result = extracted(
        '"Kami butuh 600 truk per hari," tutur juru bicara Kantor Kemanusiaan PBB (OCHA), '
        "Jens Laerke.",
        "id",
    )

    assert [s.speakers for s in result.statements] == [("jens-laerke",)]


def test_an_attribution_between_commas_names_who_says_the_whole_sentence(
    extracted: Extract,
) -> None:
    result = extracted(
        "Orly Ben-Ami said she had met Netanyahu twice. He promised her, she said, that no one "
        "would be left behind.",
        "en",
    )

    whole = "He promised her that no one would be left behind"
    assert found(result)[1] == (("orly-ben-ami",), Kind.PARAPHRASE, "said", whole)


def test_the_group_is_the_last_body_and_a_participle_opens_no_subject(extracted: Extract) -> None:
    english = extracted(
        """
        Rubio said the bodies would come home. Hamas denies this. In a statement, the group said
        the bombing had buried many of them.

        Writing on X, Smotrich demanded that the army resume operations.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Rubio mengatakan semua jenazah akan dipulangkan. Hamas membantah hal itu. Dalam
        pernyataannya, kelompok itu menyebut pengeboman telah mengubur banyak jenazah.

        Lewat unggahan di X, Smotrich menuntut tentara melanjutkan operasi.
        """,
        "id",
    )

    expected = [RUBIO, ("hamas",), ("bezalel-smotrich",)]
    assert [s.speakers for s in english.statements] == expected
    assert [s.speakers for s in indonesian.statements] == expected


def test_a_speaker_right_after_the_verb_that_ends_the_sentence(extracted: Extract) -> None:
    english = extracted(
        """
        Is the ceasefire dead? Not yet, says Yossi Klein, a former Israeli negotiator.

        The second phase will take months, said one diplomat.

        “Nobody has a plan,” Klein says.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Apakah gencatan senjata sudah mati? Belum, kata Yossi Klein, mantan perunding Israel.

        "Tidak ada yang punya rencana," ujar Klein.
        """,
        "id",
    )

    klein = ("yossi-klein",)
    assert [(s.speakers, s.text) for s in english.statements] == [
        (("diplomat",), "The second phase will take months"),
        (klein, "Nobody has a plan"),
    ]
    assert [s.speakers for s in indonesian.statements] == [klein]
    assert [n.role for n in english.new_speakers if n.id == "yossi-klein"] == [
        "former Israeli negotiator"
    ]


def test_a_namesake_of_a_known_speaker_is_someone_new(extracted: Extract) -> None:
    english = extracted(
        "Dr Lina Haddad, who teaches at Birzeit University, argues that both sides have too "
        "much to lose.",
        "en",
    )
    indonesian = extracted(
        """
        Dr. Lina Haddad, pengajar di Universitas Birzeit, berpendapat lain.

        "Hamas butuh dana rekonstruksi," tuturnya.
        """,
        "id",
    )

    assert [s.speakers for s in english.statements] == [("lina-haddad",)]
    assert [s.speakers for s in indonesian.statements] == [("lina-haddad",)]


def test_a_person_named_with_their_role_is_who_the_next_pronoun_means(
    extracted: Extract,
) -> None:
    english = extracted(
        """
        “We are where we expected,” Rubio said.

        Qatar's foreign ministry spokesman, Majed al-Ansari, was more cautious. The mediators,
        he said, were working hour by hour.
        """,
        "en",
    )
    indonesian = extracted(
        """
        "Kami berada di posisi yang kami perkirakan," kata Rubio.

        Juru bicara Kementerian Luar Negeri Qatar, Majed al-Ansari, lebih berhati-hati. Para
        mediator, katanya, bekerja dari jam ke jam.
        """,
        "id",
    )

    ansari = ("majed-al-ansari",)
    assert found(english)[1] == (
        ansari, Kind.PARAPHRASE, "said", "The mediators were working hour by hour"
    )  # fmt: skip
    assert found(indonesian)[1] == (
        ansari, Kind.PARAPHRASE, "katanya", "Para mediator bekerja dari jam ke jam"
    )  # fmt: skip


def test_one_name_after_a_title_is_a_name(extracted: Extract) -> None:
    result = extracted("Rabbi Yosef said the deal was a mistake.", "en")

    assert [s.speakers for s in result.statements] == [("yosef",)]


def test_a_verb_of_saying_as_the_means_of_an_act(extracted: Extract) -> None:
    english = extracted(
        "Guterres closed the session by urging donors to deliver on their pledges.", "en"
    )
    indonesian = extracted(
        "Guterres menutup sidang dengan desakan agar para donor menepati janji mereka.", "id"
    )
    nothing = extracted("The army ended the operation by withdrawing its troops.", "en")

    assert found(english) == [
        (GUTERRES, Kind.PARAPHRASE, "urging", "donors to deliver on their pledges")
    ]
    assert found(indonesian) == [
        (GUTERRES, Kind.PARAPHRASE, "desakan", "agar para donor menepati janji mereka")
    ]
    assert found(nothing) == []


def test_a_description_points_back_only_when_it_says_who(extracted: Extract) -> None:
    english = extracted(
        """
        Rubio spoke on Monday. The report said 600 trucks had entered.

        The top US diplomat said the deal would hold.
        """,
        "en",
    )
    indonesian = extracted(
        "Rubio berbicara pada Senin. Diplomat tertinggi AS itu mengatakan kesepakatan akan "
        "bertahan.",
        "id",
    )

    assert found(english) == [(RUBIO, Kind.PARAPHRASE, "said", "the deal would hold")]
    assert found(indonesian) == [
        (RUBIO, Kind.PARAPHRASE, "mengatakan", "kesepakatan akan bertahan")
    ]


def test_a_quotation_left_open_waits_for_its_speaker_in_the_next_paragraph(
    extracted: Extract,
) -> None:
    result = extracted(
        """
        “We had no choice.

        “The army acted to protect its soldiers,” the military spokesman said.
        """,
        "en",
    )

    assert [(s.speakers, s.text) for s in result.statements] == [
        (("military-spokesman",), "We had no choice. The army acted to protect its soldiers")
    ]
