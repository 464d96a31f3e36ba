"""Who a phrase names: the registry's people by name, alias or role; pronouns and descriptions
back to who spoke; new speakers with the role the article gives them."""

from __future__ import annotations

import pytest

from bot.core.models import Catalog, Lang
from bot.curation.speakers import Cast, slug
from tests.curation.conftest import Extract


def cast(catalog: Catalog, lang: Lang = "en") -> Cast:
    return Cast(catalog.people.values(), lang)


@pytest.mark.parametrize(
    ("phrase", "lang", "speaker"),
    [
        ("Secretary-General António Guterres", "en", "antonio-guterres"),
        ("The UN chief", "en", "antonio-guterres"),
        ("Sekjen PBB", "id", "antonio-guterres"),
        ("Menlu AS Marco Rubio", "id", "marco-rubio"),
        ("Egyptian President Abdel Fattah el-Sisi", "en", "abdel-fattah-el-sisi"),
        ("A senior Hamas official", "en", "hamas-officials"),
        ("petinggi Hamas", "id", "hamas-officials"),
    ],
)
def test_a_registry_name_alias_or_role_names_its_person(
    catalog: Catalog, phrase: str, lang: Lang, speaker: str
) -> None:
    assert cast(catalog, lang).resolve(phrase) == (speaker,)


def test_a_name_is_capitalised_and_a_possessor_is_not_a_speaker(catalog: Catalog) -> None:
    speakers = cast(catalog, "id")

    assert speakers.known("Di sisi lain, Menlu AS berkata") == ("marco-rubio",)  # not Sisi
    assert speakers.known("Two ministers in Netanyahu's coalition") is None


def test_joint_speakers_in_either_language(catalog: Catalog) -> None:
    joint = ("bezalel-smotrich", "itamar-ben-gvir")

    assert cast(catalog).resolve("Smotrich and Ben-Gvir") == joint
    assert cast(catalog, "id").resolve("Menteri Keuangan Israel Bezalel Smotrich dan Ben-Gvir") == (
        joint
    )


def test_pronouns_point_back_to_the_last_speaker_and_keduanya_to_the_last_pair(
    catalog: Catalog,
) -> None:
    speakers = cast(catalog, "id")
    speakers.spoke(("bezalel-smotrich", "itamar-ben-gvir"))
    speakers.spoke(("yair-lapid",))

    assert speakers.resolve("ia") == ("yair-lapid",)
    assert speakers.resolve("Keduanya") == ("bezalel-smotrich", "itamar-ben-gvir")


def test_descriptions_point_back_to_whom_they_describe(catalog: Catalog) -> None:
    speakers = cast(catalog)
    speakers.spoke(("benjamin-netanyahu",))
    speakers.spoke(("israeli-officials",))
    speakers.spoke(("marco-rubio",))

    assert speakers.resolve("The prime minister") == ("benjamin-netanyahu",)
    assert speakers.resolve("one official") == ("israeli-officials",)
    assert speakers.resolve("The top US diplomat") == ("marco-rubio",)


@pytest.mark.parametrize(
    ("phrase", "lang", "speaker", "role"),
    [
        ("Hamas spokesman Samir Abu Nasser", "en", "samir-abu-nasser", "Hamas spokesman"),
        ("Juru bicara Hamas, Mahmud Zuhdi,", "id", "mahmud-zuhdi", "Juru bicara Hamas"),
        ("Menteri Luar Negeri Mesir Tarek Fawzi", "id", "tarek-fawzi", "Menteri Luar Negeri Mesir"),
        ("Dr. Helena Voss, who leads the team,", "en", "helena-voss", None),
        ("An Indonesian spokesman, Arif Santoso,", "en", "arif-santoso", "Indonesian spokesman"),
    ],
)
def test_a_person_the_registry_lacks_is_a_new_speaker_with_the_articles_role(
    catalog: Catalog, phrase: str, lang: Lang, speaker: str, role: str | None
) -> None:
    speakers = cast(catalog, lang)

    assert speakers.resolve(phrase) == (speaker,)
    assert (speakers.new[speaker].role, speakers.new[speaker].person) == (role, True)


def test_a_new_speaker_is_known_by_a_part_of_the_name_afterwards(catalog: Catalog) -> None:
    speakers = cast(catalog)
    speakers.resolve("Hamas spokesman Samir Abu Nasser")

    assert speakers.resolve("Abu Nasser") == ("samir-abu-nasser",)
    assert speakers.resolve("Hamas spokesman Samir Abu Nasser") == ("samir-abu-nasser",)
    assert list(speakers.new) == ["samir-abu-nasser"]


@pytest.mark.parametrize(
    ("phrase", "lang", "speakers"),
    [
        ("Israel's prison service", "en", ("israel-prison-service",)),
        ("The International Committee of the Red Cross", "en",
         ("international-committee-of-the-red-cross",)),
        ("two diplomats involved in the talks", "en", ("diplomats",)),
        ("dua diplomat Arab yang mengetahui perundingan", "id", ("diplomat-arab",)),
        ("Komite Internasional Palang Merah (ICRC)", "id", ("komite-internasional-palang-merah",)),
        ("Saudi Arabia and the United Arab Emirates", "en",
         ("saudi-arabia", "united-arab-emirates")),
    ],
)  # fmt: skip
def test_a_body_the_registry_lacks_is_a_new_speaker_named_as_the_article_does(
    catalog: Catalog, phrase: str, lang: Lang, speakers: tuple[str, ...]
) -> None:
    found = cast(catalog, lang)

    assert found.resolve(phrase) == speakers
    assert not any(found.new[s].person for s in speakers)


def test_a_slug_leaves_out_possessives_and_brackets() -> None:
    assert slug("Israel's prison service (IPS)") == "israel-prison-service"
    assert slug("António Guterres") == "antonio-guterres"


def test_a_role_or_an_acronym_inside_a_run_of_capitals_ends_what_precedes_a_name(
    extracted: Extract,
) -> None:
    result = extracted(
        """
        Sementara itu, anggota Komisi I DPR Dave Laksono menilai rencana itu perlu dibahas.

        Dikutip dari Antara, Panglima TNI Jenderal Agus Subiyanto memastikan pasukan siap.
        """,
        "id",
    )

    assert [(n.id, n.role) for n in result.new_speakers] == [
        ("dave-laksono", "anggota Komisi I DPR"),
        ("agus-subiyanto", "Panglima TNI Jenderal"),
    ]
