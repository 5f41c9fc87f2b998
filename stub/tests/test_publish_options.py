"""datasette publish's options as the CLI writes them into the manifest, served by the handler."""

import unittest

from harness import activate, make_task_root, request


class MetadataFlags(unittest.TestCase):
    """--title, --license, --source and --about (and their URLs) end up as top-level metadata."""

    @classmethod
    def setUpClass(cls):
        cls.root = make_task_root(
            metadata={
                "title": "Flag Title",
                "license": "CC-BY-4.0",
                "license_url": "https://creativecommons.org/licenses/by/4.0/",
                "source": "The Source",
                "source_url": "https://example.com/source",
            }
        )

    def setUp(self):
        activate(self.root.path)

    def test_title_license_and_source_show_on_the_page(self):
        page = request("/").text
        self.assertIn("<h1>Flag Title</h1>", page)
        self.assertIn('href="https://creativecommons.org/licenses/by/4.0/"', page)
        self.assertIn(">CC-BY-4.0</a>", page)
        self.assertIn('href="https://example.com/source"', page)


if __name__ == "__main__":
    unittest.main()
