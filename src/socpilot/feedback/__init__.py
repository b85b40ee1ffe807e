"""What analysts conclude: notes and verdicts on alerts and incidents, kept with who and when."""

from socpilot.feedback.verdicts import Note, Verdict, add_note, list_notes, list_verdicts, record_verdict

__all__ = ["Note", "Verdict", "add_note", "list_notes", "list_verdicts", "record_verdict"]
