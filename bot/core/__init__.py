"""The platform-neutral core; its folders follow the data: content → text → delivery.

`content/` reads the curators' files into a Catalog, `text/` turns it into messages, `delivery/`
queues and sends them; `commands/` answers chats, `store/` keeps what must survive a restart; the
value objects (`models`, `subscription`), the seams (`ports`) and the content in service
(`library`, `services`) sit here at the root, shared by all. Nothing here imports a platform
library.
"""
