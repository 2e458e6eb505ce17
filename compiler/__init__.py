"""Back ends over the checked model: method plans, the reference interpreter, the Python
emitter, results readers and the explanation (得分说明)."""
