//! `{graph_url}` (`…/v1.0`): users, mail folders, messages, send, move, attachments, delta.
