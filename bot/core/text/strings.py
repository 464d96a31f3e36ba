"""Every text the bot shows, in English and Indonesian: one table, one lookup (`say`).

Terms follow shared/GLOSSARY.md.

Values filled into these strings are plain text; the renderers escape them for each platform.
"""

from __future__ import annotations

from typing import Final

from bot.core.models import Lang, Localized

STRINGS: Final[dict[str, Localized]] = {
    "welcome": Localized(
        "Ringkas sends short digests of the October 2025 Israel–Hamas negotiations over "
        "hostages, prisoners and an end to the Gaza war, in English and Indonesian, and answers "
        "who said what.",
        "Ringkas mengirim ringkasan singkat negosiasi Israel–Hamas Oktober 2025 tentang sandera, "
        "tawanan, dan berakhirnya perang Gaza, dalam bahasa Inggris dan Indonesia, serta "
        "menjawab siapa mengatakan apa.",
    ),
    "commands": Localized("Commands", "Perintah"),
    "admin_commands": Localized("For the bot's admins", "Untuk admin bot"),
    "help_subscribe": Localized(
        "get the digest in this chat at your times",
        "terima ringkasan di obrolan ini pada jam pilihan",
    ),
    "help_start": Localized("what Ringkas is", "tentang Ringkas"),
    "help_help": Localized("the commands", "daftar perintah"),
    "help_unsubscribe": Localized("stop the digest here", "berhenti menerima ringkasan di sini"),
    "help_settings": Localized("this chat's subscription", "langganan obrolan ini"),
    "help_digest": Localized("the digest, now", "ringkasan saat ini"),
    "help_whosaid": Localized("who said what", "siapa mengatakan apa"),
    "help_follow": Localized(
        "be told here of new statements by a person or on a topic",
        "dikabari di sini tentang pernyataan baru dari seseorang atau tentang suatu topik",
    ),
    "help_unfollow": Localized(
        "stop following a person or topic here", "berhenti mengikuti orang atau topik di sini"
    ),
    "help_following": Localized("what this chat follows", "yang diikuti obrolan ini"),
    "help_lang": Localized(
        "this chat's language: en or id", "bahasa obrolan ini: en (Inggris) atau id (Indonesia)"
    ),
    "help_timeline": Localized(
        "who said what, when: a picture by day", "siapa mengatakan apa, kapan: gambar per hari"
    ),
    "help_push": Localized(
        "send the digest, a summary or an announcement to every subscriber",
        "kirim ringkasan terkini, satu ringkasan, atau pengumuman ke semua pelanggan",
    ),
    "help_status": Localized(
        "subscriptions, deliveries and content", "langganan, pengiriman, dan konten"
    ),
    "help_reload": Localized("load the content again", "muat ulang konten"),
    "help_example": Localized(
        "Example: /subscribe id 07:00 19:00 WIB (Indonesian, twice a day, Jakarta time).",
        "Contoh: /subscribe id 07.00 19.00 WIB (bahasa Indonesia, dua kali sehari, waktu Jakarta).",
    ),
    "arg_name_or_topic": Localized("name or topic", "nama atau topik"),
    "arg_zone": Localized("time zone", "zona waktu"),
    "arg_languages": Localized("the digest's language, or both", "bahasa ringkasan, atau keduanya"),
    "arg_times": Localized(
        "local times, e.g. 07:00 19:00, or instant",
        "jam setempat, mis. 07.00 19.00, atau instant",
    ),
    "arg_summary_or_text": Localized("summary id | announcement", "id ringkasan | pengumuman"),
    "arg_push_what": Localized(
        "summary id | announcement; empty: the digest",
        "id ringkasan | pengumuman; kosong: ringkasan terkini",
    ),
    "unknown_command": Localized(
        "Unknown command “{command}”. /help lists the commands.",
        "Perintah “{command}” tidak dikenal. /help menampilkan daftar perintah.",
    ),
    "internal_error": Localized(
        "Something went wrong on our side; nothing was changed. Please try again shortly.",
        "Terjadi gangguan di pihak kami; tidak ada yang diubah. Silakan coba lagi sebentar lagi.",
    ),
    "not_a_command": Localized(
        "Commands start with “/”: try /help, or /whosaid Guterres.",
        "Perintah diawali “/”: coba /help, atau /whosaid Guterres.",
    ),
    "not_chat_admin": Localized(
        "Only this chat's administrators can change its subscription.",
        "Hanya admin obrolan ini yang dapat mengubah langganannya.",
    ),
    "not_bot_admin": Localized(
        "This command is for the bot's admins.", "Perintah ini khusus untuk admin bot."
    ),
    # --- /subscribe arguments ---
    "bad_time": Localized(
        "“{value}” is not a time of day: use HH:MM from 00:00 to 23:59, e.g. 07:00.",
        "“{value}” bukan jam yang valid: gunakan JJ.MM dari 00.00 sampai 23.59, misalnya 07.00.",
    ),
    "bad_zone": Localized(
        "“{value}” is not a time zone I know: use WIB, WITA, WIT or a name such as Asia/Jakarta.",
        "“{value}” bukan zona waktu yang dikenal: gunakan WIB, WITA, WIT, atau nama seperti "
        "Asia/Jakarta.",
    ),
    "bad_argument": Localized(
        "“{value}” is not understood here. Usage: {usage}",
        "“{value}” tidak dipahami. Cara pakai: {usage}",
    ),
    "one_language": Localized(
        "Give one language: en, id or both.", "Sebutkan satu bahasa saja: en, id, atau both."
    ),
    "one_zone": Localized("Give one time zone.", "Sebutkan satu zona waktu saja."),
    "too_many_times": Localized(
        "At most {count} delivery times a day.", "Paling banyak {count} jam pengiriman sehari."
    ),
    "too_long": Localized(
        "That is too long: at most {count} characters.",
        "Terlalu panjang: paling banyak {count} karakter.",
    ),
    # --- subscriptions ---
    "subscribed": Localized("Subscribed.", "Berlangganan."),
    "updated": Localized("Subscription updated.", "Langganan diperbarui."),
    "resumed": Localized(
        "Welcome back: the subscription is active again, with its settings as they were.",
        "Selamat datang kembali: langganan aktif lagi, dengan pengaturan seperti semula.",
    ),
    "unsubscribed": Localized(
        "Unsubscribed: no more digests in this chat. /subscribe starts them again.",
        "Berhenti berlangganan: tidak ada lagi ringkasan di obrolan ini. /subscribe untuk "
        "memulai lagi.",
    ),
    "not_subscribed": Localized(
        "This chat is not subscribed. /subscribe starts the digest here.",
        "Obrolan ini belum berlangganan. /subscribe untuk mulai menerima ringkasan di sini.",
    ),
    "settings_title": Localized("This chat's subscription", "Langganan obrolan ini"),
    "plan_languages": Localized("Language: {languages}", "Bahasa: {languages}"),
    "plan_both": Localized("{en} and {id}", "{en} dan {id}"),
    "plan_times": Localized(
        "Delivery: daily at {times} ({zone})", "Pengiriman: setiap hari pukul {times} {zone}"
    ),
    "plan_instant": Localized(
        "Delivery: as soon as there is news", "Pengiriman: segera setiap ada berita"
    ),
    "plan_times_and_instant": Localized(
        "Delivery: daily at {times} ({zone}), and as soon as there is news",
        "Pengiriman: setiap hari pukul {times} {zone}, dan segera setiap ada berita",
    ),
    "and": Localized(" and ", " dan "),
    "plan_next": Localized("Next digest: {when}", "Ringkasan berikutnya: {when}"),
    "plan_last": Localized("Last digest sent: {when}", "Ringkasan terakhir terkirim: {when}"),
    "plan_paused": Localized(
        "Paused since {when}: {reason}. /subscribe resumes it with these settings.",
        "Dijeda sejak {when}: {reason}. /subscribe melanjutkannya dengan pengaturan ini.",
    ),
    "plan_change": Localized(
        "To change it: /subscribe with new values, e.g. /subscribe en 18:00.",
        "Untuk mengubah: /subscribe dengan nilai baru, misalnya /subscribe id 18.00.",
    ),
    # --- follows ---
    "not_chat_admin_follows": Localized(
        "Only this chat's administrators can change what it follows.",
        "Hanya admin obrolan ini yang dapat mengubah apa yang diikutinya.",
    ),
    "follow_usage": Localized(
        "Name a person or a topic to follow, e.g. /follow Guterres or /follow hostages.",
        "Sebutkan orang atau topik yang ingin diikuti, misalnya /follow Guterres atau "
        "/follow sandera.",
    ),
    "followed": Localized(
        "Following {what} in this chat: new statements will come here as soon as they are "
        "added, in {language}.",
        "Mengikuti {what} di obrolan ini: pernyataan baru akan dikirim ke sini begitu "
        "ditambahkan, dalam bahasa {language}.",
    ),
    "follow_already": Localized(
        "This chat already follows {what}.", "Obrolan ini sudah mengikuti {what}."
    ),
    "follow_too_many": Localized(
        "This chat follows {count} people and topics, the most it can: /unfollow one first.",
        "Obrolan ini sudah mengikuti {count} orang dan topik, batas maksimumnya: /unfollow "
        "salah satunya dulu.",
    ),
    "follow_which": Localized(
        "“{query}” could be more than one person. Which one should this chat follow?",
        "“{query}” bisa merujuk ke lebih dari satu orang. Siapa yang ingin diikuti di obrolan ini?",
    ),
    "follow_person_topic": Localized("{name} on “{topic}”", "{name} tentang “{topic}”"),
    "unfollowed": Localized(
        "No longer following {what} in this chat.", "Tidak lagi mengikuti {what} di obrolan ini."
    ),
    "not_following": Localized(
        "This chat does not follow “{query}”. /following lists what it follows.",
        "Obrolan ini tidak mengikuti “{query}”. /following menampilkan yang diikutinya.",
    ),
    "unfollow_which": Localized(
        "Which one should this chat stop following?",
        "Mana yang ingin berhenti diikuti di obrolan ini?",
    ),
    "following_none": Localized(
        "This chat follows nothing yet. /follow <name or topic> brings new statements here.",
        "Obrolan ini belum mengikuti apa pun. /follow <nama atau topik> untuk menerima "
        "pernyataan baru di sini.",
    ),
    "following_title": Localized("This chat follows", "Obrolan ini mengikuti"),
    "follow_news": Localized("New statements: {what}", "Pernyataan baru: {what}"),
    "inline_digest": Localized("The digest, now", "Ringkasan terkini"),
    # --- /lang ---
    "not_chat_admin_lang": Localized(
        "Only this chat's administrators can change its language.",
        "Hanya admin obrolan ini yang dapat mengubah bahasanya.",
    ),
    "lang_current": Localized(
        "This chat's language: {language}. To change it: /lang en or /lang id.",
        "Bahasa obrolan ini: {language}. Untuk mengubahnya: /lang en atau /lang id.",
    ),
    "lang_set": Localized(
        "Replies in this chat are now in {language}.",
        "Balasan di obrolan ini kini dalam bahasa {language}.",
    ),
    "lang_set_digest": Localized(
        "The digest here comes in {language} too.",
        "Ringkasan di sini juga dikirim dalam bahasa {language}.",
    ),
    "lang_usage": Localized(
        "Give one language: /lang en (English) or /lang id (Indonesian).",
        "Sebutkan satu bahasa: /lang en (Inggris) atau /lang id (Indonesia).",
    ),
    # --- /push ---
    "announcement": Localized("Announcement", "Pengumuman"),
    "push_usage": Localized(
        "Usage: /push (the digest), /push <summary id> or /push <announcement text>. "
        "Newest summaries: {ids}",
        "Cara pakai: /push (ringkasan terkini), /push <id ringkasan> atau /push <teks "
        "pengumuman>. Ringkasan terbaru: {ids}",
    ),
    "push_preview": Localized(
        "Preview of push {id}. Subscribed chats: {count}. Send it?",
        "Pratinjau push {id}. Obrolan yang berlangganan: {count}. Kirim?",
    ),
    "push_send": Localized("Send", "Kirim"),
    "push_cancel": Localized("Cancel", "Batal"),
    "push_sending": Localized(
        "Push {id}: sending. Deliveries queued: {count}.",
        "Push {id}: sedang dikirim. Pengiriman dalam antrean: {count}.",
    ),
    "push_progress": Localized(
        "Push {id}: delivered {delivered}/{total}, failed {failed}.",
        "Push {id}: terkirim {delivered}/{total}, gagal {failed}.",
    ),
    "push_done": Localized(
        "Push {id}: done. Delivered {delivered}/{total}, failed {failed}.",
        "Push {id}: selesai. Terkirim {delivered}/{total}, gagal {failed}.",
    ),
    "button_expired": Localized(
        "This button has expired; please send the command again.",
        "Tombol ini sudah kedaluwarsa; silakan kirim perintahnya lagi.",
    ),
    "push_already_sent": Localized(
        "Push {id} was already sent ({when}); it is not sent twice.",
        "Push {id} sudah dikirim ({when}); push tidak dikirim dua kali.",
    ),
    "push_cancelled": Localized(
        "Push {id} cancelled: nothing was sent.", "Push {id} dibatalkan: tidak ada yang dikirim."
    ),
    "push_was_cancelled": Localized(
        "Push {id} was cancelled earlier.", "Push {id} sudah dibatalkan sebelumnya."
    ),
    "push_unknown": Localized("There is no push “{id}”.", "Tidak ada push “{id}”."),
    "push_too_long": Localized(
        "That announcement does not fit in one message; make it shorter.",
        "Pengumuman itu tidak muat dalam satu pesan; persingkat.",
    ),
    # --- /status and /reload ---
    "status_title": Localized("Ringkas status", "Status Ringkas"),
    "status_subscriptions": Localized(
        "{platform}: {active} active, {paused} paused",
        "{platform}: {active} aktif, {paused} dijeda",
    ),
    "status_no_subscriptions": Localized("No subscriptions yet.", "Belum ada langganan."),
    "status_deliveries": Localized(
        "Deliveries: {pending} waiting, {sending} sending; in the last 24 hours {delivered} "
        "delivered, {failed} failed",
        "Pengiriman: {pending} menunggu, {sending} sedang dikirim; dalam 24 jam terakhir "
        "{delivered} terkirim, {failed} gagal",
    ),
    "status_content": Localized(
        "Content: {summaries} summaries, {statements} statements, loaded {when}",
        "Konten: {summaries} ringkasan, {statements} pernyataan, dimuat {when}",
    ),
    "status_replies_failed": Localized(
        "Replies given up since the start: {count} ({reasons})",
        "Balasan yang gagal sejak mulai: {count} ({reasons})",
    ),
    "status_paused": Localized("Paused chats", "Obrolan yang dijeda"),
    "status_paused_chat": Localized(
        "{chat} since {when}: {reason}", "{chat} sejak {when}: {reason}"
    ),
    "status_pushes": Localized("Recent pushes", "Push terbaru"),
    "status_audit": Localized("Recent admin actions", "Tindakan admin terbaru"),
    "content_problems": Localized(
        "The content has problems ({count}); the last good content stays in service:",
        "Konten bermasalah ({count}); konten terakhir yang valid tetap dipakai:",
    ),
    "reloaded": Localized(
        "Content reloaded: {summaries} summaries, {statements} statements.",
        "Konten dimuat ulang: {summaries} ringkasan, {statements} pernyataan.",
    ),
    "more": Localized("… and {count} more", "… dan {count} lainnya"),
    # --- alerts to the admins (times in UTC, as /status shows them) ---
    "alert_title": Localized("Ringkas alert", "Peringatan Ringkas"),
    "alert_paused": Localized(
        "{count} chats were paused within {minutes} minutes, the first at {since}. "
        "Reasons: {reasons}.",
        "{count} obrolan dijeda dalam {minutes} menit, yang pertama pada {since}. "
        "Alasan: {reasons}.",
    ),
    "alert_paused_action": Localized(
        "Nothing more is sent to them until the bot is back in each chat. "
        "/status lists the paused chats.",
        "Tidak ada lagi yang dikirim ke obrolan itu sampai bot kembali ke masing-masing obrolan. "
        "/status menampilkan obrolan yang dijeda.",
    ),
    "alert_failed": Localized(
        "{count} deliveries failed for good within {minutes} minutes, the first at {since}. "
        "Reasons: {reasons}.",
        "{count} pengiriman gagal permanen dalam {minutes} menit, yang pertama pada {since}. "
        "Alasan: {reasons}.",
    ),
    "alert_failed_action": Localized(
        "They are not tried again. /status shows the deliveries by state.",
        "Pengiriman itu tidak dicoba lagi. /status menampilkan pengiriman menurut statusnya.",
    ),
    "alert_hold": Localized(
        "{platform} asked the bot to wait (HTTP 429): sending there was held {total} s in all "
        "since {since}, {longest} s at the longest.",
        "{platform} meminta bot menunggu (HTTP 429): pengiriman ke sana ditahan {total} detik "
        "seluruhnya sejak {since}, paling lama {longest} detik sekaligus.",
    ),
    "alert_hold_action": Localized(
        "Deliveries resume by themselves once the wait is over. /status shows what is waiting.",
        "Pengiriman berlanjut dengan sendirinya setelah masa tunggu selesai. "
        "/status menampilkan pengiriman yang menunggu.",
    ),
    # --- digests and who-said answers ---
    "sources": Localized("Sources", "Sumber"),
    "source": Localized("Source", "Sumber"),
    "key_statements": Localized("Key statements", "Pernyataan kunci"),
    "translated": Localized("(translated)", "(terjemahan)"),
    "no_news": Localized("No summaries for {period}.", "Tidak ada ringkasan untuk {period}."),
    "no_news_since": Localized("No summaries since {date}.", "Tidak ada ringkasan sejak {date}."),
    "no_news_until": Localized("No summaries up to {date}.", "Tidak ada ringkasan hingga {date}."),
    "no_news_yet": Localized("No summaries yet.", "Belum ada ringkasan."),
    "whosaid_speaker": Localized(
        "Who said what: {name}, {role} ({shown} of {total}, newest first)",
        "Siapa mengatakan apa: {name}, {role} ({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_speaker_topic": Localized(
        "Who said what: {name}, {role}, about “{topic}” ({shown} of {total}, newest first)",
        "Siapa mengatakan apa: {name}, {role}, tentang “{topic}” "
        "({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_topic": Localized(
        "Who said what about “{query}” ({shown} of {total}, newest first)",
        "Siapa mengatakan apa tentang “{query}” ({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_ambiguous": Localized(
        "“{query}” could be more than one person. Which one?",
        "“{query}” bisa merujuk ke lebih dari satu orang. Yang mana?",
    ),
    "whosaid_nothing": Localized(
        "No speaker or statement matches “{query}”.",
        "Tidak ada pembicara atau pernyataan yang cocok dengan “{query}”.",
    ),
    "whosaid_closest": Localized("Closest names: {names}.", "Nama terdekat: {names}."),
    "whosaid_no_statements": Localized(
        "No statements from {name} yet.",
        "Belum ada pernyataan dari {name}.",
    ),
    "whosaid_empty_query": Localized(
        "Name a person or a topic, e.g. “Guterres” or “hostages”.",
        "Sebutkan nama orang atau topik, misalnya “Guterres” atau “sandera”.",
    ),
    "undated_published": Localized("report of {date}", "laporan {date}"),
    "undated_reports_on": Localized(
        "report on the events of {date}", "laporan tentang peristiwa {date}"
    ),
    # --- the timeline picture ---
    "timeline_title": Localized(
        "{story}: who said what, {period}", "{story}: siapa mengatakan apa, {period}"
    ),
    "timeline_speaker_topic": Localized(
        "{name}, {role}, about “{topic}”", "{name}, {role}, tentang “{topic}”"
    ),
    "timeline_topic": Localized("About “{query}”", "Tentang “{query}”"),
    "timeline_count_one": Localized("1 statement", "1 pernyataan"),
    "timeline_count": Localized("{shown} statements", "{shown} pernyataan"),
    "timeline_count_newest": Localized(
        "the newest {shown} of {total} statements", "{shown} pernyataan terbaru dari {total}"
    ),
    "timeline_report_date": Localized("date of the report", "tanggal laporan"),
    "timeline_others": Localized("Other speakers", "Pembicara lain"),
    "timeline_reported": Localized("reportedly", "dilaporkan"),
    "timeline_more_sources": Localized("and {count} more", "dan {count} lainnya"),
    "timeline_hint": Localized(
        "Each statement in full, with its source: /whosaid",
        "Setiap pernyataan lengkap dengan sumbernya: /whosaid",
    ),
    "timeline_empty": Localized(
        "No statements for {period}.", "Tidak ada pernyataan untuk {period}."
    ),
    "timeline_none": Localized("No statements yet.", "Belum ada pernyataan."),
    # --- how a statement was made (filled with the reporter for "reported") ---
    "kind_direct": Localized("said", "mengatakan"),
    "kind_paraphrase": Localized("paraphrased", "menyatakan (parafrase)"),
    "kind_reported": Localized("reportedly, per {by}", "dilaporkan, menurut {by}"),
    # --- sources, described by what they show ---
    "source_published": Localized(
        "{language}-language report of {date}", "laporan berbahasa {language}, {date}"
    ),
    "source_reports_on": Localized(
        "{language}-language report on the events of {date}",
        "laporan berbahasa {language} tentang peristiwa {date}",
    ),
    "source_cites": Localized("citing {names}", "mengutip {names}"),
}


def say(lang: Lang, key: str, **values: object) -> str:
    template = STRINGS[key].get(lang)
    return template.format(**values) if values else template
