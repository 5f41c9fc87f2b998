"""The site's conversion settings (DATASETTE_LAMBDA_CONVERT_SETTINGS) read as the CLI writes
them: the golden examples test/plan/convert-settings.test.ts checks the writer against."""

import unittest

import harness  # noqa: F401  (sys.path for the stub)

from datasette_lambda.contract.convert_settings import ConvertSettingsError, parse_convert_settings
from golden_examples import golden_examples


class GoldenExamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.examples = golden_examples("convert-settings")

    def test_what_the_cli_writes_is_read_as_it_means(self):
        for example in self.examples["valid"] + self.examples["readOnly"]:
            with self.subTest(text=example["text"]):
                settings = parse_convert_settings(example["text"])
                self.assertEqual(list(settings.fts), example["settings"]["fts"])
                self.assertEqual(settings.encoding, example["settings"]["encoding"])

    def test_what_no_cli_writes_is_refused(self):
        for example in self.examples["invalid"]:
            with self.subTest(why=example["why"]), self.assertRaises(ConvertSettingsError):
                parse_convert_settings(example["text"])

    def test_no_variable_is_no_setting(self):
        self.assertEqual(parse_convert_settings(None), parse_convert_settings("{}"))


if __name__ == "__main__":
    unittest.main()
