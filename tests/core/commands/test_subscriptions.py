"""/subscribe, /unsubscribe and /settings, against a real store."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.services import Services
from bot.core.subscription import Plan, State
from bot.core.text.strings import say
from tests.core.commands.conftest import (
    CHAT,
    NEXT_MORNING,
    START,
    Clock,
    ask,
    joined,
    outbox_rows,
    subscribe,
)

# --- /subscribe ---


async def test_subscribe_with_no_arguments_uses_the_defaults(services: Services) -> None:
    reply = await ask(services, "/subscribe", chat_title="Readers")

    text = joined(reply)
    assert "<b>Subscribed.</b>" in text
    assert "Language: English" in text
    assert "Delivery: daily at 07:00 (Asia/Jakarta (WIB))" in text
    assert "Next digest: 8 October 2025, 07:00 (Asia/Jakarta (WIB))" in text
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None
    assert stored.plan == Plan("en", (dt.time(7),), False, "Asia/Jakarta")
    assert stored.state is State.ACTIVE
    assert stored.chat_kind is ChatKind.PRIVATE
    assert (stored.subscribed_by, stored.subscribed_at) == ("7", START)
    assert stored.next_due == NEXT_MORNING
    assert stored.chat_title == "Readers"


async def test_a_new_subscription_reads_the_language_the_adapter_gave(services: Services) -> None:
    reply = await ask(services, "/subscribe", lang="id")

    assert "<b>Berlangganan.</b>" in joined(reply)
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None and stored.plan.languages == "id"


async def test_subscribe_in_indonesian_twice_a_day_in_wib(services: Services) -> None:
    reply = await ask(services, "/subscribe id 07:00 19.00 WIB")

    text = joined(reply)
    assert "<b>Berlangganan.</b>" in text
    assert "Bahasa: Indonesia" in text
    assert "Pengiriman: setiap hari pukul 07.00 dan 19.00 WIB" in text
    # 19.00 WIB is now: the next digest is strictly after, tomorrow morning.
    assert "Ringkasan berikutnya: 8 Oktober 2025, 07.00 WIB" in text
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None
    assert stored.plan == Plan("id", (dt.time(7), dt.time(19)), False, "Asia/Jakarta")
    assert stored.next_due == NEXT_MORNING


async def test_both_languages_are_named_in_the_reply_language(services: Services) -> None:
    text = joined(await ask(services, "/subscribe both WITA"))

    assert "Language: English and Indonesian" in text
    assert "(Asia/Makassar (WITA))" in text
    indonesian = joined(await ask(services, "/settings", lang="id"))
    assert "Bahasa: Inggris dan Indonesia" in indonesian
    assert "WITA" in indonesian


async def test_resubscribing_updates_the_plan_and_keeps_subscribed_at(
    services: Services, clock: Clock
) -> None:
    await ask(services, "/subscribe en 07:00")
    clock.advance(dt.timedelta(days=2))

    reply = await ask(services, "/subscribe 18:00 Europe/London", user="8")

    assert "<b>Subscription updated.</b>" in joined(reply)
    assert "Delivery: daily at 18:00 (Europe/London)" in joined(reply)
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None
    assert stored.plan == Plan("en", (dt.time(18),), False, "Europe/London")
    assert (stored.subscribed_by, stored.subscribed_at) == ("7", START)


async def test_a_chat_that_cannot_manage_is_refused_and_nothing_stored(
    services: Services,
) -> None:
    reply = await ask(services, "/subscribe id 07:00", can_manage=False)

    assert joined(reply) == "Hanya admin obrolan ini yang dapat mengubah langganannya."
    assert await services.store.subscriptions.get(CHAT) is None


async def test_refusal_is_in_the_chats_chosen_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    reply = await ask(services, "/subscribe en 19:00", can_manage=False, lang="en")
    assert joined(reply) == "Only this chat's administrators can change its subscription."
    reply = await ask(services, "/subscribe 19:00", can_manage=False, lang="en")
    assert joined(reply) == "Hanya admin obrolan ini yang dapat mengubah langganannya."
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None and stored.plan.times == (dt.time(7),)


# Each bad argument and how it is explained, in English and in Indonesian.
BAD_ARGUMENTS = {
    "25:99": (
        "“25:99” is not a time of day: use HH:MM from 00:00 to 23:59",
        "“25:99” bukan jam yang valid: gunakan JJ.MM",
    ),
    "Mars/Olympus": (
        "“Mars/Olympus” is not a time zone I know",
        "“Mars/Olympus” bukan zona waktu yang dikenal",
    ),
    "weekly": (
        "“weekly” is not understood here. Usage: /subscribe [en|id|both]",
        "“weekly” tidak dipahami. Cara pakai: /subscribe [en|id|both]",
    ),
    "en id": (
        "Give one language: en, id or both.",
        "Sebutkan satu bahasa saja: en, id, atau both.",
    ),
    "WIB WIT": ("Give one time zone.", "Sebutkan satu zona waktu saja."),
    "1:00 2:00 3:00 4:00 5:00 6:00 7:00": (
        "At most 6 delivery times a day.",
        "Paling banyak 6 jam pengiriman sehari.",
    ),
}


@pytest.mark.parametrize(
    ("args", "lang", "expected"),
    [
        (args, lang, expected)
        for args, explained in BAD_ARGUMENTS.items()
        for lang, expected in zip(("en", "id"), explained, strict=True)
    ],
)
async def test_bad_arguments_are_explained_and_nothing_stored(
    services: Services, args: str, lang: str, expected: str
) -> None:
    reply = await ask(services, f"/subscribe {args}", lang=lang)

    assert expected in joined(reply)
    assert await services.store.subscriptions.get(CHAT) is None


async def test_a_mistake_after_naming_a_language_is_explained_in_that_language(
    services: Services,
) -> None:
    reply = await ask(services, "/subscribe id 25:99", lang="en")

    assert joined(reply) == say("id", "bad_time", value="25:99")
    assert await services.store.subscriptions.get(CHAT) is None


async def test_an_offending_word_is_escaped_and_shortened(services: Services) -> None:
    reply = await ask(services, "/subscribe <b>" + "x" * 500)

    text = joined(reply)
    assert "&lt;b&gt;xxx" in text
    assert "<b>x" not in text
    assert "x" * 100 not in text  # echoed shortened, not the whole paste


async def test_five_thousand_characters_of_junk_get_an_answer(services: Services) -> None:
    reply = await ask(services, "/subscribe " + ("junk&<> " * 700)[:5000])

    assert len(reply.messages) == 1
    assert "“junk&amp;&lt;&gt;” is not understood here" in reply.messages[0]
    assert await services.store.subscriptions.get(CHAT) is None


async def test_a_paused_subscription_resumes_as_it_was(services: Services, clock: Clock) -> None:
    paused = await subscribe(services, CHAT, "both", (dt.time(6), dt.time(20)), zone="UTC")
    await services.store.subscriptions.pause(paused.id, "bot was blocked", clock.now())
    clock.advance(dt.timedelta(days=3))

    reply = await ask(services, "/subscribe")

    text = joined(reply)
    assert "Welcome back: the subscription is active again, with its settings as they were." in text
    assert "Delivery: daily at 06:00 and 20:00 (UTC)" in text
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None
    assert stored.state is State.ACTIVE
    assert stored.paused_reason is None
    assert stored.plan == paused.plan
    assert stored.subscribed_at == START


async def test_a_paused_subscription_given_new_values_is_updated(
    services: Services, clock: Clock
) -> None:
    paused = await subscribe(services, CHAT, "id")
    await services.store.subscriptions.pause(paused.id, "kicked", clock.now())

    reply = await ask(services, "/subscribe 09:00")

    assert "<b>Langganan diperbarui.</b>" in joined(reply)
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None
    assert stored.state is State.ACTIVE
    assert stored.plan == Plan("id", (dt.time(9),), False, "Asia/Jakarta")


async def test_instant_queues_the_current_digest_right_away(services: Services) -> None:
    woken: list[bool] = []
    services.wake = lambda: woken.append(True)

    reply = await ask(services, "/subscribe both instant")

    assert "Delivery: as soon as there is news" in joined(reply)
    assert await services.store.outbox.counts() == {"pending": 2}
    edition = services.library.edition.selection
    assert sorted(await outbox_rows(services.store)) == [
        ("100", f"instant:{edition}", "en", "pending"),
        ("100", f"instant:{edition}", "id", "pending"),
    ]
    assert woken


async def test_subscribing_to_instant_again_queues_nothing_new(services: Services) -> None:
    await ask(services, "/subscribe instant")
    await ask(services, "/subscribe instant")

    assert await services.store.outbox.counts() == {"pending": 1}


async def test_scheduled_subscription_queues_nothing_yet(services: Services) -> None:
    await ask(services, "/subscribe 07:00")

    assert await services.store.outbox.counts() == {}


async def test_times_and_instant_are_both_described(services: Services) -> None:
    reply = await ask(services, "/subscribe id 07:00 langsung")

    assert "Pengiriman: setiap hari pukul 07.00 WIB, dan segera setiap ada berita" in joined(reply)


async def test_a_forum_thread_is_a_subscription_of_its_own(services: Services) -> None:
    thread = ChatRef("telegram", "100", "5")
    await ask(services, "/subscribe id", chat=thread, chat_kind=ChatKind.GROUP)
    await ask(services, "/subscribe en 18:00")

    in_thread = await services.store.subscriptions.get(thread)
    in_chat = await services.store.subscriptions.get(CHAT)
    assert in_thread is not None and in_chat is not None
    assert in_thread.id != in_chat.id
    assert in_thread.plan.languages == "id"
    assert in_chat.plan.times == (dt.time(18),)

    await ask(services, "/unsubscribe", chat=thread)
    assert await services.store.subscriptions.get(thread) is None
    assert await services.store.subscriptions.get(CHAT) is not None


# --- /unsubscribe ---


async def test_unsubscribe_removes_the_subscription(services: Services) -> None:
    await ask(services, "/subscribe id")

    reply = await ask(services, "/unsubscribe")

    assert joined(reply).startswith("Berhenti berlangganan: tidak ada lagi ringkasan")
    assert await services.store.subscriptions.get(CHAT) is None


async def test_unsubscribe_cancels_what_was_waiting(services: Services) -> None:
    await ask(services, "/subscribe instant")

    await ask(services, "/unsubscribe")

    assert await services.store.outbox.counts() == {"cancelled": 1}


async def test_unsubscribe_when_not_subscribed(services: Services) -> None:
    reply = await ask(services, "/unsubscribe")

    assert joined(reply) == "This chat is not subscribed. /subscribe starts the digest here."


async def test_unsubscribe_by_a_member_is_refused(services: Services) -> None:
    await subscribe(services, CHAT, "en")

    reply = await ask(services, "/unsubscribe", can_manage=False)

    assert "Only this chat's administrators" in joined(reply)
    assert await services.store.subscriptions.get(CHAT) is not None


# --- /settings ---


async def test_settings_when_not_subscribed(services: Services) -> None:
    en = await ask(services, "/settings")
    id_ = await ask(services, "/settings", lang="id")

    assert joined(en) == "This chat is not subscribed. /subscribe starts the digest here."
    assert joined(id_) == (
        "Obrolan ini belum berlangganan. /subscribe untuk mulai menerima ringkasan di sini."
    )


async def test_settings_shows_the_plan(services: Services) -> None:
    await ask(services, "/subscribe en 07:00 19:30 WIB")

    reply = await ask(services, "/settings", can_manage=False)

    text = joined(reply)
    assert "<b>This chat's subscription</b>" in text
    assert "Delivery: daily at 07:00 and 19:30 (Asia/Jakarta (WIB))" in text
    assert "Next digest: 7 October 2025, 19:30 (Asia/Jakarta (WIB))" in text
    assert "To change it: /subscribe with new values" in text
    assert "Last digest sent" not in text


async def test_settings_shows_the_last_digest_sent(services: Services, clock: Clock) -> None:
    await ask(services, "/subscribe id")
    clock.advance(NEXT_MORNING - START)
    planned = await services.plan()
    assert planned.queued == 1

    text = joined(await ask(services, "/settings"))

    assert "Ringkasan terakhir terkirim: 8 Oktober 2025, 07.00 WIB" in text
    assert "Ringkasan berikutnya: 9 Oktober 2025, 07.00 WIB" in text


async def test_settings_shows_a_pause_and_its_reason_escaped(
    services: Services, clock: Clock
) -> None:
    sub = await subscribe(services, CHAT, "en")
    await services.store.subscriptions.pause(sub.id, "Forbidden: <bot> was\nkicked & gone", START)

    reply = await ask(services, "/settings")

    text = joined(reply)
    assert (
        "Paused since 7 October 2025, 19:00 (Asia/Jakarta (WIB)): "
        "Forbidden: &lt;bot&gt; was kicked &amp; gone. /subscribe resumes it" in text
    )
    assert "Next digest" not in text
    discord = joined(await ask(services, "/settings", fmt=Format.DISCORD))
    assert r"Forbidden: \<bot\> was kicked & gone" in discord


async def test_settings_in_indonesian_for_an_indonesian_chat(services: Services) -> None:
    await subscribe(services, CHAT, "id", (dt.time(7),), zone="Asia/Jayapura")

    reply = await ask(services, "/settings", lang="en")

    text = joined(reply)
    assert "<b>Langganan obrolan ini</b>" in text
    assert "Pengiriman: setiap hari pukul 07.00 WIT" in text
