"""pytest plugin of the rule-author kit (fixtures are added by the plugins issue)."""
