"""ATT&CK knowledge (v18.1) and the offline text-to-technique mapper.

``knowledge.load()`` gives techniques, tactics and id translations; ``mapper.map_text``
ranks techniques for free text or an event, with the evidence for each.
"""
