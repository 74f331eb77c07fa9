"""Writing one run: files written atomically, figures in the project's style, the HTML report."""
