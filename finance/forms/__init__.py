"""Forms of the finance pages, one module per area. They parse input; the rules live in
finance.services."""
