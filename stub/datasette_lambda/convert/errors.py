"""The one error a conversion raises: which file, which line (or None), why."""


class ConversionError(Exception):
    def __init__(self, file, line, reason):
        super().__init__(f"{file}:{line}: {reason}" if line is not None else f"{file}: {reason}")
        self.file = str(file)
        self.line = line
        self.reason = reason

    def to_json(self):
        return {"file": self.file, "line": self.line, "reason": self.reason}
