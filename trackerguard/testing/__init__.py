"""The rule-author kit: helpers and a pytest plugin for testing rules with YAML cases."""
