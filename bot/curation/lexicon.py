"""The words that attribute a statement, in English and Indonesian, and the words around them.

English verbs are listed in the forms news uses. Indonesian verbs take prefixes and suffixes
(mengatakan, dikatakan, katanya; menegaskan, ditegaskannya): they are listed by root, and a word
is brought to its root by Sastrawi, the Indonesian stemmer. A bare root counts only where
Indonesian news uses it bare, right after a quote ("…," kata Guterres / tegas Sisi), since
several roots are also common words ("jelas" is clear, "aku" is I).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot.core.models import Lang

_WORD_EDGES = re.compile(r"^[^\w]+|[^\w]+$")


def words_of(text: str) -> frozenset[str]:
    """A set of words written as one string, a space between each."""
    return frozenset(text.split())


_ENGLISH_VERBS = """
say says said saying tell tells told add adds added state states stated warn warns warned
insist insists insisted urge urges urged argue argues argued claim claims claimed note notes
noted write writes wrote post posts posted announce announces announced declare declares
declared stress stresses stressed emphasise emphasised emphasize emphasized explain explains
explained acknowledge acknowledged admit admits admitted confirm confirms confirmed deny denies
denied pledge pledged vow vows vowed promise promises promised predict predicted accuse accuses
accused call calls called describe described threaten threatens threatened demand demands
demanded suggest suggested tweet tweeted assert asserted reiterate reiterated welcome welcomes
welcomed ask asks asked reply replied respond responded complain complained caution cautioned
concede conceded remark remarked comment commented hope hopes hoped hail hails hailed praise
praises praised condemn condemns condemned criticise criticises criticised criticize criticizes
criticized blame blames blamed maintain maintains maintained reaffirm reaffirms reaffirmed
"""
ENGLISH_CUES = words_of(_ENGLISH_VERBS)
# Verbs that report what someone said elsewhere.
ENGLISH_REPORTING = frozenset({"report", "reports", "reported"})

# Roots of Indonesian verbs of saying, and of reporting.
_INDONESIAN_ROOTS = """
kata nyata tegas desak sambut ujar ungkap tutur jelas sebut tambah imbuh klaim minta imbau harap
nilai kritik tolak ancam janji aku umum tulis ingat seru bantah sampai papar terang yakin anggap
ucap cetus tandas kemuka puji kecam sesal tuding tuduh tuntut
"""
INDONESIAN_CUES = words_of(_INDONESIAN_ROOTS)
INDONESIAN_REPORTING = frozenset({"lapor", "lansir", "kutip"})
# Said bare after a quote ("…," kata dia); any other bare root is an ordinary word.
_BARE_AFTER_QUOTE = words_of(
    "kata ujar ungkap tutur tegas tulis ucap imbuh tambah cetus tandas jelas sebut seru"
)
# Verbs that attribute words only right after them: anywhere else they mean going on with
# something ("melanjutkan perundingan", "the strikes continued").
_ONLY_AFTER_QUOTE: dict[Lang, frozenset[str]] = {
    "en": words_of("continued"),
    "id": words_of("lanjut lanjutnya sambung sambungnya"),
}
# Sastrawi's root is wrong for a few verbs of saying: "membantah" is not from "ban".
_ROOTS_BY_HAND = {"membantah": "bantah", "dibantah": "bantah", "bantahnya": "bantah"}
_VERB_PREFIXES = ("me", "di", "ber", "ter")
# Forms of those roots that say nothing: "tersebut" is "the said", a determiner.
# "tertulis" is "written" ("keterangan tertulis": a written statement).
_NOT_SAYING = frozenset({"tersebut", "sebutan", "terjanji", "tertulis"})
# Where nothing is stemmed: "menurut" ("according to") is no form of "turut" (to join in).
ACCORDING_TO = {"en": "according to", "id": "menurut"}

PRONOUNS: dict[Lang, frozenset[str]] = {
    "en": frozenset({"he", "she", "they"}),
    "id": frozenset({"ia", "dia", "beliau", "mereka", "keduanya"}),
}
# Words that open a clause or end a noun phrase after a speaker ("said Marchetti, who…").
CLAUSE_WORDS: dict[Lang, frozenset[str]] = {
    "en": words_of(
        """
        in at on after as outside before during to from when while with who whose which speaking
        addressing later also
        """
    ),
    "id": words_of(
        """
        dalam di kepada pada seperti sambil saat usai ketika dengan melalui lewat yang juga kemarin
        """
    ),
}
DETERMINERS = words_of(
    "the a an one two three four some several seorang sejumlah para dua tiga beberapa salah satu"
)
# Words that head a body, not a person: a capitalised run holding one is not a personal name.
BODY_WORDS = words_of(
    """
    ministry committee forum council office house party service agency organization organisation
    program programme nations union commission government mission brigades bank court army
    kementerian komite dewan kantor gedung partai badan organisasi pemerintah perwakilan komisi
    lembaga forum kedutaan
    """
)
# People words: a noun phrase holding one may be a speaker even when no name is capitalised
# ("a White House official", "pejabat Gedung Putih", "dua diplomat Arab").
PERSON_WORDS = words_of(
    """
    official officials spokesman spokeswoman spokesperson minister ministers diplomat diplomats
    mediator mediators negotiator negotiators ambassador ambassadors envoy envoys leader leaders
    president pejabat petinggi juru perunding menteri duta pemimpin utusan pengamat people source
    sources sumber
    """
)
# Words of a role written before a name, capitalised as titles are ("Menteri Luar Negeri Mesir
# Tarek Fawzi", "Foreign Minister …"): never the name itself.
ROLE_WORDS = words_of(
    """
    menteri luar negeri dalam keuangan pertahanan presiden wakil perdana sekjen sekretaris
    jenderal juru bicara duta besar pejabat pemimpin ketua direktur kepala utusan komandan
    minister foreign finance defence defense interior president vice prime secretary general
    spokesman spokeswoman spokesperson ambassador director chief head envoy commander leader
    press pers senator governor gubernur mayor adviser advisor penasihat coordinator koordinator
    negotiator perunding former mantan anggota member colonel kolonel menlu menkeu menhan
    mendagri jubir wapres dubes pm premier emir king raja panglima
    """
)
# Words after which a capitalised name is an object, not a speaker ("kepada Al Jazeera").
PREPOSITIONS = words_of("kepada dari ke di dengan oleh untuk to from with by for in at on of")
# Bodies and places that precede a name in a role ("juru bicara Hamas Mahmud Zuhdi"), and so
# never open one.
ORGANISATIONS = words_of(
    """
    hamas fatah hezbollah hizbullah pbb un icrc who wfp unrwa israel israeli palestina
    palestinian mesir egypt egyptian qatar qatari as us ri indonesia yordania jordan rusia russia
    russian china chinese turki turkey iran amerika serikat
    """
)
# Titles before a name, never part of it ("Dr. Helena Voss", "Lt Col Avi Dror").
TITLES = words_of(
    "dr mr mrs ms prof sir lt col gen maj capt sgt brig cpl adm cmdr rabbi h hj sheikh syekh"
)
# Who reports: words naming a news outlet, and outlets the articles cite.
OUTLET_WORDS = words_of(
    """
    newspaper daily agency broadcaster channel radio television tv outlet website magazine harian
    koran kantor berita stasiun televisi media laporan situs majalah
    """
)
# Outlets news cites, each name as `normalize` writes it.
OUTLETS = (
    "bbc", "reuters", "afp", "ap", "associated press", "al jazeera", "cnn", "axios", "haaretz",
    "times of israel", "wall street journal", "new york times", "washington post", "guardian",
    "al ahram", "fox news", "sky news", "al arabiya", "antara", "kompas", "tempo", "detik",
    "channel 12", "channel 13", "kan", "ynet", "bloomberg", "politico", "nbc", "cbs", "abc",
    "anadolu", "wafa", "al monitor", "financial times", "maariv", "walla", "i24", "tass", "xinhua",
    "dpa",
)  # fmt: skip
NEGATIONS = frozenset({"not", "never", "declined", "refused", "tidak", "belum", "enggan", "tak"})


@functools.cache
def _stemmer() -> Any:
    # Built once: Sastrawi reads its dictionary of roots (about 10 ms).
    return StemmerFactory().create_stemmer()


@functools.cache
def indonesian_root(word: str) -> str:
    word = word.casefold()
    if word in _ROOTS_BY_HAND:
        return _ROOTS_BY_HAND[word]
    return str(_stemmer().stem(word))


def cue_of(word: str, lang: Lang, *, after_quote: bool = False) -> str | None:
    """The verb of saying this word is (an Indonesian one by its root: "mengatakan" → "kata"),
    or None."""
    core = _WORD_EDGES.sub("", word)
    bare = core.casefold()
    if not bare or not core[0].islower():
        return None  # a capitalised word is a name or a title here ("Secretary of State")
    if after_quote and bare in _ONLY_AFTER_QUOTE[lang]:
        return bare  # "…," lanjut Qassem / he continued: elsewhere, to go on doing something
    if lang == "en":
        return bare if bare in ENGLISH_CUES else None
    root = indonesian_root(bare)
    if root not in INDONESIAN_CUES or bare in _NOT_SAYING:
        return None
    # A verb: "mengatakan", "dikatakan", "berharap", "katanya"; not a noun ("pernyataan",
    # "pernyataannya").
    verb = root != bare and (bare.startswith(_VERB_PREFIXES) or bare == f"{root}nya")
    if verb or (after_quote and bare in _BARE_AFTER_QUOTE) or bare == "kata":
        return root
    return None


def after_clause(word: str) -> bool:
    """Whether an Indonesian verb of saying may follow the clause it attributes: a bare root
    ("…, ujar Guterres"), its -nya form ("…, ujarnya") or a passive ("…, demikian disampaikan
    oleh X"); an active verb ("mendesak") after a comma follows an appositive instead."""
    core = bare(word)
    root = indonesian_root(core)
    return core in _BARE_AFTER_QUOTE or core == f"{root}nya" or core.startswith("di")


def reporting_of(word: str, lang: Lang) -> str | None:
    """Whether the word reports another outlet's reporting ("reported", "dilansir")."""
    core = bare(word)
    if lang == "en":
        return core if core in ENGLISH_REPORTING else None
    # Verbs only: "dilansir", "melaporkan"; "laporan" (a report) is a noun.
    root = indonesian_root(core) if core.startswith(("me", "di")) else ""
    return root if root in INDONESIAN_REPORTING else None


def ends_in_pronoun(word: str) -> bool:
    """Whether a verb of saying ends in -nya, which is its speaker ("katanya", "ujarnya")."""
    return bare(word).endswith("nya")


def bare(word: str) -> str:
    """The word without the punctuation around it, in lower case."""
    return _WORD_EDGES.sub("", word).casefold()
