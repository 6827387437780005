"""Reason and success-measure cues, per language, with a fast trigger-word prefilter.

Why: single keywords are weak (reference: "users" appears in 45% of bodies with a
purpose and 23% without), so each cue is a short *phrase* pattern with a weight:
2 = a reason on its own ("because", "this would allow", "users can't", "data loss"),
1 = a hint that needs company ("manually", "tedious", "due to"). Patterns are only
run when one of their trigger words occurs in the text (a set intersection), which
keeps a ~260-character description well under 50 µs even with ~100 patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from trackerguard.text.languages import fold

__all__ = ["Cue", "CueHit", "CueSet", "cue_set", "scan"]


def _wordset(words: str) -> frozenset[str]:
    """A set of space-separated words (keeps long word lists readable)."""
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase pattern: ``category`` names the kind of reason it shows."""

    category: str
    weight: int
    triggers: frozenset[str]
    rx: re.Pattern[str]
    # Anchored cues: ``rx`` is matched right after an occurrence of a trigger word
    # (found with str.find) instead of searched over the whole text. Used for cues that
    # start with a long alternation of nouns, which ``re`` scans slowly.
    anchored: bool = False
    # A substring that must occur in the text for the cue to be tried at all ("%"), or
    # "0-9" for any digit.
    needs: str = ""
    # Anchored cues: words of which one must follow the trigger within the same
    # sentence before the (slower) tail regex is tried.
    gate: frozenset[str] = frozenset()
    # Anchored cues: a weaker pattern (weight 1) tried when ``rx`` does not match.
    fallback: re.Pattern[str] | None = None
    # How far before the first trigger word a match can start; the search starts there
    # instead of at 0 (the text before cannot hold a match).
    lead: int = 40
    # Set from ``rx``: the same pattern without its leading ``\b`` (see ``_search``).
    fast: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        # ``re`` scans quickly for a pattern that starts with a literal or a set of
        # characters, but a leading ``\b`` makes it test every position (3-4x slower);
        # the boundary is checked on the match instead. Every cue starts with a word
        # character after its ``\b``, so the two are equivalent.
        if not self.anchored and self.rx.pattern.startswith("\\b"):
            object.__setattr__(self, "fast", re.compile(self.rx.pattern[2:], self.rx.flags))
        # A bounded gap ("{0,n}") may put the trigger word further into the match; the
        # longest such gap before a trigger word in the cue lists is ~50 characters.
        if "{0," in self.rx.pattern and not self.anchored:
            object.__setattr__(self, "lead", 70)


@dataclass(frozen=True, slots=True)
class CueHit:
    """A matched cue and the text it matched (for evidence)."""

    category: str
    weight: int
    text: str
    start: int


def _c(category: str, weight: int, triggers: str, pattern: str) -> Cue:
    return Cue(category, weight, frozenset(triggers.split()), re.compile(pattern))


def _anchored(
    category: str, weight: int, triggers: str, tail: str, gate: str = "", needs: str = ""
) -> Cue:
    return Cue(
        category,
        weight,
        frozenset(triggers.split()),
        re.compile(tail),
        True,
        needs=needs,
        gate=_first_words(gate) if gate else frozenset(),
    )


def _first_words(alternation: str) -> frozenset[str]:
    """First word of every branch of a plain ``a b|c|d e`` alternation."""
    return frozenset(alt.split()[0] for alt in alternation.split("|") if alt.strip())


def _trie(alternation: str) -> str:
    """A plain ``a|ab|b c`` word alternation as a prefix tree (``a(?:b)?|b c``).

    ``re`` tries the branches of an alternation one by one at every position; factored
    by prefix, a position that starts no branch is rejected after one character. Longer
    branches are preferred, as a greedy match would.
    """
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for alt in alternation.split("|"):
        node = root
        for ch in alt:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return emit(root)


_WHO = (
    r"users?|customers?|clients?|admins?|administrators?|developers?|devs|contributors?|"
    r"maintainers?|people|visitors?|readers?|operators?|teams?|members?|players?|editors?|"
    r"authors?|newcomers|beginners|everyone|anyone|folks|engineers|agents?|students|"
    r"teachers|volunteers|staff|buyers|sellers|merchants|patients|employees|reviewers|"
    r"translators|subscribers|viewers|researchers|analysts|designers|testers|partners|"
    r"tenants|consumers|downstream|organizations|orgs|companies|mobile users|ops|on-call|"
    r"accountants|integrators|technicians|managers|nurses|drivers|recruiters|marketers|"
    r"owners|parents|cashiers"
)


def _trigger_words(alternation: str) -> str:
    """Trigger words of a ``a|bs?|c d`` alternation: first word of each branch, with the
    optional plural spelled out (``bs?`` → ``b bs``)."""
    out: list[str] = []
    for alt in alternation.split("|"):
        if " " in alt or "-" in alt:
            continue  # "mobile users", "on-call": another branch word triggers them
        first = alt
        if first.endswith("s?"):
            out += [first[:-2], first[:-1]]
        else:
            out.append(first)
    return " ".join(out)


_WHO_TRIGGERS = _trigger_words(_WHO)
_HURT = (
    r"can't|cannot|can not|are unable|is unable|unable|have to|has to|must|need to|needs to|"
    r"lose|loses|losing|are forced|is forced|struggle|struggles|get confused|gets confused|"
    r"are confused|is confused|don't know|doesn't know|do not know|does not know|keep|keeps|"
    r"are blocked|is blocked|get stuck|gets stuck|are stuck|waste|wastes|complain|complains|"
    r"complained|miss|misses|end up|ends up|rely|relies|depend|depends|would benefit|hit|hits|"
    r"run into|runs into|report|reports|reported|see|sees|are seeing|are getting|"
    r"are hitting|are affected|is affected|are impacted|accidentally|mistakenly|by accident|"
    r"spend|spends|no longer|won't be able|will not be able|are not able|is not able|"
    r"aren't able|isn't able|are charged|get charged|gets charged|are billed|give up|gave up|"
    r"abandon|abandons|abandoned|leave|leaves|churn|churns|cancel|cancels|quit|quits|"
    r"get confused|are showing up|show up|receive|receives|lose access|are locked out|"
    r"is locked out|get locked out|are left|wait|waits|waiting|have been|has no way|have no way|"
    r"has no option|have no option|has no choice|have no choice"
)
_DEMAND = (
    r"want|wants|wanted|asked for|ask for|asks for|requested|have requested|would like|"
    r"would love|prefer|expect|expects|need|needs"
)

_TODAY_PROBLEM = (
    r"have to|has to|must|need to|needs to|forced|manually|no way|not possible|impossible|"
    r"can't|cannot|can not|only|requires|require|there is no|there's no|isn't|is not|doesn't|"
    r"does not|don't|do not|takes|take|fails|fail|breaks|break|relies|rely|hard|difficult|"
    r"lacks|lack|missing|no support|unable|limited|hardcoded|hard-coded|duplicated|slow"
)

_SO_FAIL = (
    r"fail|fails|break|breaks|crash|crashes|time out|times out|are lost|is lost|get lost|"
    r"are dropped|is dropped|never|can't|cannot|stop working|stops working"
)

_NUMWORD = (
    r"two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|"
    r"a couple of|a few|dozens of|hundreds of"
)

_RANKED = (
    r"(?:[\w-]+ ){0,2}?(?:questions?|requests?|complaints?|tickets?|costs?|bills?|expenses?|"
    r"reasons? (?:for|why) (?:churn|cancel\w*|refunds?|tickets?)|sources? of (?:tickets|"
    r"complaints|errors|pages|incidents|churn|support)|pain points?|feedback|comments?|"
    r"cause of (?:churn|tickets|support|complaints)|part of (?:their|our|the|my|his|her) "
    r"(?:day|week|month|job|workflow|release))\b"
)
# "without it, the bank can reject…": a consequence after a condition.
_CONSEQUENCE = (
    r",? ?[^.!?\n]{0,50}?\b(?:can|could|will|would|won't|can't|cannot|have to|has to|must|"
    r"need to|needs to|stall|stalls|lose|loses|end up|ends up|hits?|comes? to|reject|"
    r"rejects|fail|fails|break|breaks|stay|stays|is stuck|are stuck|waits?|miss|misses|"
    r"pays?|keeps?|only)\b"
)
_AFTERWARDS = (
    r",? [^.!?\n]{0,60}?\b(?:fails?|breaks?|stops?|can't|cannot|won't|lose|loses|forces?|"
    r"have to|has to)\b"
)
# "… 20 requests a week", "dozens of times per shift", "12 no-shows last week".
_PER_PERIOD = (
    r"(?:of )?(?:[\w-]+ )?(?:[\w-]+ )?(?:a|per|each|every|last|this) (?:single )?(?:day|week|"
    r"month|shift|sprint|release|hour|night|quarter|year|morning)\b"
)

_EN: tuple[Cue, ...] = (
    # cause
    _c("cause", 2, "because", r"\bbecause\b"),
    _c("cause", 1, "due", r"\bdue to\b"),
    _c("cause", 2, "reason reasons", r"\breasons? (?:is|are|being|for this|why|behind)\b"),
    _c("cause", 2, "motivation motivated", r"\bmotivat(?:ion|ed)\b"),
    _c(
        "cause",
        1,
        "since",
        r"\bsince (?!(?:the |a |our )?(?:last |latest |recent |new |)(?:update|upgrad\w*|"
        r"version|release|v?\d|yesterday|today|monday|tuesday|wednesday|thursday|friday|"
        r"last|a few|then|commit|migration|switch\w*|install\w*|moving|changing))(?:we|our|"
        r"the|it|this|these|many|most|users?|customers?|people|there|they|i|you|it's)\b",
    ),
    # benefit
    _anchored("benefit", 2, "so", r" that\b"),
    _c("benefit", 2, "order", r"\bin order (?:to|for)\b"),
    _anchored(
        "benefit",
        2,
        "would will could might",
        r" (?:also |really |greatly |significantly |hopefully |help |then )?(?:allow|enable|"
        r"help|let|benefit|save|unblock|unlock|simplify|reduce|improve|prevent|avoid|speed|"
        r"eliminate|streamline|remove the need|fix this|solve|make (?:it|things|life|our|the) "
        r"\w*\s?(?:easier|possible|faster|simpler|safer|clearer|better))",
    ),
    _c(
        "benefit",
        2,
        "allow allows enable enables help helps let lets unblock unblocks unlock unlocks",
        r"\b(?:to|and|which|that|this|it) (?:allows?|enables?|helps?|lets?|unblocks?|unlocks?) "
        r"(?:us|users|people|them|customers|developers|teams|admins|me|you|our|anyone|"
        r"everyone|contributors|maintainers|operators|clients|folks|devs|the (?:team|user|"
        r"users|customer|customers|admin|developer|developers))\b",
    ),
    _c(
        "benefit",
        2,
        "make makes making",
        r"\bmak(?:e|es|ing) (?:it|this|things|life|the \w+) (?:much |a lot |way |so much |)"
        r"(?:easier|possible|faster|simpler|safer|clearer|cheaper|more (?:reliable|robust|"
        r"secure|efficient|consistent|accessible|readable|maintainable|discoverable))\b",
    ),
    _c(
        "benefit",
        1,
        "easier harder faster quicker cheaper safer simpler",
        r"\b(?:easier|harder|faster|quicker|cheaper|safer|simpler) (?:to|for)\b",
    ),
    _anchored(
        "benefit",
        2,
        "so",
        r" (?:we|users|people|they|you|i|customers|developers|teams|admins|it|our|"
        r"everyone|anyone|operators|maintainers|that) (?:can|could|don't|do not|won't|will|"
        r"no longer|would|are able|aren't|avoid|stop|get|have|know|see)\b",
    ),
    _c(
        "benefit",
        2,
        "useful helpful valuable important necessary needed required essential critical "
        "crucial vital beneficial",
        r"\b(?:useful|helpful|valuable|important|necessary|needed|required|essential|critical|"
        r"crucial|vital|beneficial) (?:for|by|to (?:us|users|our|have|be able|know|keep|avoid|"
        r"prevent|make|ensure|support|many|anyone|people)|because|when|since|in order|so)\b",
    ),
    _c("benefit", 2, "prerequisite pre", r"\bpre-?requisite\b"),
    _c(
        "benefit",
        2,
        "block blocks blocking blocked blocker unblock unblocks",
        r"\b(?:blocker|unblocks?|block(?:s|ing|ed)? (?:us|me|our|the (?:release|deploy|"
        r"deployment|migration|launch|rollout|upgrade|team|users|customers)|release|deploy|"
        r"deployment|migration|adoption|users|customers|them|people|work|progress|#\d+|"
        r"[a-z]+-\d+|every|all|any|most|many|new|anyone|everyone|contributors|developers))\b",
    ),
    _c(
        "benefit",
        2,
        "goal aim purpose benefit value intent intention objective",
        r"\b(?:goal|aim|purpose|benefit|value|point|intent|intention|objective) (?:is|here is|"
        r"of this|would be|being|will be)\b",
    ),
    _c("benefit", 1, "idea", r"\bidea (?:is|here is|would be)\b"),
    _c(
        "benefit",
        2,
        "save saves saving",
        r"\bsav(?:e|es|ing) (?:us |users |people |everyone |them |a lot of |lots of |hours of |"
        r"tons of |an? |\w+ |)(?:time|money|hours|minutes|effort|clicks?|bandwidth|space|memory|"
        r"costs?|steps?|days?|round ?trips?)\b",
    ),
    _c(
        "benefit",
        2,
        "reduce reduces reducing reduced lower lowers lowering cut cuts cutting decrease "
        "decreases decreasing minimize minimise minimizes minimises",
        r"\b(?:reduc\w+|lower\w*|cut\w*|decreas\w+|minimi[sz]\w+) (?:the |our |their |a lot of |"
        r"much |)(?:cost|costs|time|load|risk|noise|errors?|churn|friction|toil|latency|bill|"
        r"confusion|support|complexity|maintenance|boilerplate|duplication|build times?|memory|"
        r"size|bundle|downtime|failures?|mistakes|manual|overhead|spam|tickets|storage|traffic|"
        r"flakiness|waiting|wait|page load|startup)",
    ),
    _c(
        "benefit",
        2,
        "improve improves improving improved better increase increases increasing boost boosts",
        r"\b(?:improv\w+|better|increas\w+|boosts?) (?:the |our |their |overall |)(?:performance|"
        r"ux|user experience|developer experience|dx|reliability|security|accessibility|"
        r"readability|onboarding|discoverability|conversion|retention|engagement|productivity|"
        r"maintainability|stability|consistency|usability|throughput|adoption|trust|seo|"
        r"quality|visibility|observability|safety|sales|revenue|speed|load time)\b",
    ),
    _c(
        "benefit",
        2,
        "prevent prevents preventing",
        r"\bprevent(?:s|ing)? (?:users|people|us|me|data|accidental|mistakes|errors|the|them|"
        r"anyone|customers|this|that|future|regressions|abuse|spam|leaks|it)\b",
    ),
    _c(
        "benefit",
        1,
        "support enable allow help ensure sure keep fix simplify streamline",
        r"\bto (?:support|enable|allow|help|ensure|make sure|keep|fix|simplify|streamline)\b",
    ),
    _c(
        "benefit",
        2,
        "prevent avoid reduce improve protect comply speed unblock save stop lower cut minimize "
        "minimise eliminate",
        r"\bto (?:prevent|avoid|reduce|improve|protect|comply|speed up|unblock|save|stop|lower|"
        r"cut|minimi[sz]e|eliminate)\b",
    ),
    _c(
        "benefit",
        2,
        "avoid avoids avoiding",
        r"\bavoid(?:s|ing)? (?:the need|having to|confusion|mistakes|data loss|duplicat\w*|"
        r"errors|breaking|downtime|manual|rework|surprises|problems|issues|regressions|"
        r"conflicts|outages|lock-?in|wasting|losing)\b",
    ),
    _c(
        "benefit",
        2,
        "compliance compliant gdpr hipaa soc soc2 pci legal legally regulation regulations "
        "regulatory audit auditor auditors ccpa wcag",
        r"\b(?:compliance|compliant|gdpr|hipaa|soc ?2|pci|legal(?:ly)? requir\w*|"
        r"regulat(?:ion|ions|ory)|auditors?|audit (?:finding|requirement|request)s?|"
        r"for (?:the |our |an? )?audit|ccpa|wcag)\b",
    ),
    _c(
        "impact",
        2,
        "security vulnerable vulnerability vulnerabilities exploit exploitable cve leak leaks "
        "leaking leaked",
        r"\b(?:security (?:risk|issue|hole|vulnerab\w*|concern|problem|flaw|threat|incident)|"
        r"vulnerab\w+|exploit\w*|cve-\d+|leak(?:s|ing|ed)? (?:of )?(?:data|credentials|secrets|"
        r"tokens|passwords|pii|personal|user))",
    ),
    _c(
        "benefit",
        1,
        "accessible accessibility a11y screen screenreader keyboard",
        r"\b(?:accessib\w+|a11y|screen ?readers?|keyboard(?:-| )only)\b",
    ),
    # impact
    _c("impact", 2, "data", r"\bdata (?:loss|corruption|leak)\b"),
    _c(
        "impact",
        2,
        "lose loses lost losing",
        r"\b(?:lose|loses|lost|losing) (?:their |all |my |our |the |unsaved |some |any |"
        r"a lot of |a batch of |an? |\w+ days of |)(?:\w+ )?(?:data|work|changes|progress|money|"
        r"customers|users|orders|messages|files|history|edits|revenue|sales|access|time|hours|"
        r"settings|content|sessions?|jobs|records|emails|backups|events|payments|invoices|"
        r"requests|deals|batch|forms|the deal|trust)\b",
    ),
    _c("impact", 2, "outage outages downtime", r"\b(?:outages?|downtime)\b"),
    _c("impact", 1, "incident incidents p0 p1 sev1 sev", r"\b(?:incidents?|p[01]|sev ?[12])\b"),
    _c(
        "impact",
        2,
        "down unavailable unusable",
        r"\b(?:production|prod|site|service|app|website|api) (?:is|was|goes|went) (?:down|"
        r"unavailable|unusable)\b",
    ),
    _c(
        "impact",
        2,
        "unusable use broken",
        r"\b(?:unusable|(?:unable to|can't|cannot|impossible to) use (?:it|the app|the site|"
        r"this|our|the product)|is broken for (?:all|many|most|every|our)|completely broken)\b",
    ),
    _c(
        "impact",
        2,
        "affects affect affecting affected impacts impact impacting impacted hits hitting",
        r"\b(?:affect(?:s|ing|ed)?|impact(?:s|ing|ed)?|hits|hitting) (?:all|many|most|every|"
        r"several|\d+|our (?:users|customers|team)|the (?:users|customers|team|whole|entire)|"
        r"users|customers|production|prod|everyone|anyone|people|thousands|hundreds|multiple|"
        r"a lot)\b",
    ),
    _c("impact", 1, "workaround work", r"\bwork-?\s?around\b"),
    _c(
        "impact",
        2,
        "cost costs costing waste wastes wasted wasting",
        r"\b(?:costs?|costing|wast(?:e|es|ed|ing)) (?:us|me|them|users|customers|people|"
        r"the team|time|hours|minutes|money|a lot|lots|\$|\d|our|their|developers)",
    ),
    _c(
        "impact",
        1,
        "consuming tedious prone painful frustrating frustrated frustration annoying confusing "
        "silently cumbersome inconvenient slows slow hard difficult pain waste clunky tiresome "
        "intensive intuitive unintuitive misleading",
        r"\b(?:time-consuming|time consuming|tedious|error-prone|error prone|painful|"
        r"frustrat\w+|annoying|confusing|cumbersome|inconvenient|slows? (?:us|down|everyone|"
        r"the team)|(?:hard|difficult) to (?:use|find|read|understand|maintain|debug|discover|"
        r"follow|navigate|configure|set up)|a pain|pain point|waste of time|clunky|tiresome|"
        r"labou?r-intensive|not intuitive|unintuitive|misleading)\b",
    ),
    _anchored(
        "impact", 2, "support", r" (?:tickets?|requests?|load|burden|questions?|inbox|team|queue)\b"
    ),
    _c(
        "impact",
        2,
        "complain complains complained complaints complaint churn churned churning bad "
        "negative requested keeps keep comes",
        r"\b(?:complain\w*|churn\w*|bad reviews|negative feedback|(?:frequently|highly|often|"
        r"most|top|commonly|repeatedly) requested|requested by|keeps? coming up|comes up (?:often|"
        r"a lot|regularly|frequently))\b",
    ),
    _c(
        "impact",
        1,
        "critical severe serious urgent high showstopper major",
        r"\b(?:critical|severe|serious|urgent|high[- ]priority|show-?stopper|major)\b",
    ),
    # the problem today
    _anchored(
        "today",
        2,
        "currently today moment present presently now stands",
        r"\b[^.!?\n]{0,80}?\b(?:" + _trie(_TODAY_PROBLEM) + r")\b",
        _TODAY_PROBLEM,
    ),
    _anchored(
        "today",
        2,
        "there there's",
        r"(?: is|'s| are| isn't| is currently|'s currently) (?:no|not an?|not any|currently no) "
        r"(?:\w+ )?(?:way|option|easy way|simple way|support|mechanism|means|ability|possibility|"
        r"feature|setting|api|documentation|docs|guide|example|tests?|coverage|validation|check|"
        r"limit|monitoring|alert|alerting|logging)\b",
    ),
    _c(
        "today",
        1,
        "possible impossible easy hard difficult obvious unclear",
        r"\b(?:it is|it's|it isn't|is) (?:currently )?(?:not possible|impossible|not easy|"
        r"very hard|really hard|difficult|not obvious|unclear)\b",
    ),
    _anchored(
        "today",
        2,
        "we i we've i've",
        r"(?:'ve| have|) (?:currently |always |still |often |)(?:have|had|need|needed) "
        r"to "
        r"(?:manually|restart|re-?run|copy|re-?enter|write|maintain|patch|fork|work around|"
        r"hack|remember|check|go|open|dig|search|ask|wait|run|use a|resort|refund|reset|fix|"
        r"explain|scroll|poll|redo|re-?do|re-?create|clean)\b",
    ),
    _c(
        "today",
        1,
        "manually hand time again",
        r"\b(?:manually|by hand|one by one|every time|each time|over and over|again and again)\b",
    ),
    _c("today", 1, "only", r"\bonly (?:way|option|workaround)\b"),
    _anchored("today", 1, "one", r" by one\b"),
    _anchored("today", 1, "row line item page file", r" by (?:row|line|item|page|file)\b"),
    # who is hurt
    # Who is hurt (weight 2) or, failing that, who asks for it (weight 1): one pass over
    # the occurrences of the (frequent) people words serves both.
    Cue(
        "who",
        2,
        _wordset(_WHO_TRIGGERS),
        re.compile(r"[^.!?\n]{0,50}?\b(?:" + _trie(_HURT) + r")\b"),
        True,
        gate=_first_words(_HURT + "|" + _DEMAND),
        fallback=re.compile(r"[^.!?\n]{0,30}?\b(?:" + _trie(_DEMAND) + r")\b"),
    ),
    _c(
        "who",
        2,
        "nobody anyone anybody everyone attacker attackers someone malicious",
        r"\b(?:nobody|no one|anyone|anybody|everyone|attackers?|someone|malicious \w+)\b"
        r"[^.!?\n]{0,60}?\b(?:can (?:access|download|read|see|delete|modify|view|steal|"
        r"impersonate|hijack|log in|sign in|bypass)|can't|cannot|can not|is able to|"
        r"could (?:access|download|read|delete|steal))\b",
    ),
    _anchored(
        "who",
        2,
        "so",
        r" (?:our |the |all |many |most |some |new |existing |those |these |)(?:" + _WHO + r")\b",
    ),
    _anchored(
        "impact",
        2,
        "so",
        r" (?:the |our |all |some |most |many |every |any |)[\w\s'-]{0,40}?\b(?:"
        + _trie(_SO_FAIL)
        + r")\b",
        _SO_FAIL,
    ),
    _anchored(
        "impact",
        2,
        "will would going start",
        r" (?:to )?(?:start |begin |soon |)(?:to )?(?:fail|failing|break|breaking|stop working|"
        r"be removed|be blocked|time out|reject|lose)\b",
    ),
    _anchored(
        "impact",
        2,
        "which that this",
        r" (?:has |)(?:broke|breaks|broken|caused|causes|led to|leads to|"
        r"results in|resulted in|forces|forced|slowed|slows|hurts|hurt|costs|cost|blocks|"
        r"blocked|means|meant|is wasteful|is expensive|is slow|is risky|is dangerous|"
        r"is error-prone|takes|took)\b",
    ),
    _c(
        "impact",
        2,
        "hurts hurt harms harm damages damage risks jeopardizes jeopardises endangers",
        r"\b(?:hurts|harms|damages|risks|jeopardi[sz]es|endangers|hurting|harming)\b",
    ),
    _c(
        "impact",
        2,
        "spent spend spends spending wasted wastes",
        r"\b(?:spent|spend|spends|spending|wasted|wastes) (?:~|about |roughly |around |almost |"
        r"over |more than |at least |up to |)(?:an? |\d+%? |half an? |several |many |hours|"
        r"days|weeks|minutes|time|most of|(?:" + _NUMWORD + r") (?:\w+ )?(?:hours|days|"
        r"weeks|minutes|afternoons|evenings|sprints))",
    ),
    _c(
        "impact",
        2,
        "drop drops dropped dropping",
        r"\bdrop(?:s|ped|ping)? (?:\w+ ){0,2}(?:requests|jobs|messages|events|data|connections|"
        r"orders|emails|calls|payments|records|traffic|users|customers)\b",
    ),
    _c(
        "impact",
        2,
        "lost deleted corrupted wiped leaked exposed overwritten",
        r"\b(?:is|are|was|were|get|gets|got) (?:silently |completely |permanently |)"
        r"(?:lost|deleted|corrupted|wiped|leaked|exposed|overwritten)\b",
    ),
    _c(
        "impact",
        2,
        "placed used completed opened accessed saved submitted processed sent paid delivered "
        "installed deployed built released read",
        r"\b(?:can't|cannot|can not) be (?:placed|used|completed|opened|accessed|saved|"
        r"submitted|processed|sent|paid|delivered|installed|deployed|built|released|read)\b",
    ),
    _c(
        "impact",
        2,
        "eol end out unsupported longer stopped",
        r"\b(?:eol|end[- ]of[- ]life|out of support|goes out of support|unsupported|"
        r"no longer (?:supported|maintained|receives?|gets?)|stopped receiving)\b",
    ),
    _c(
        "impact",
        2,
        "cve cves hijack hijacked steal stolen impersonate",
        r"\b(?:cves?|hijack\w*|steal\w*|stolen|impersonat\w+)\b",
    ),
    _c(
        "benefit",
        2,
        "consistency clarity security performance compliance safety readability simplicity "
        "accessibility privacy reliability maintainability",
        r"\bfor (?:consistency|clarity|security|performance|compliance|safety|readability|"
        r"simplicity|accessibility|privacy|reliability|maintainability) (?:reasons|with|"
        r"purposes|and|$|\.)",
    ),
    _c(
        "benefit",
        2,
        "lets let give gives giving",
        r"\b(?:lets|give|gives|giving) (?:us|users|people|them|you|customers|admins|teams|"
        r"developers|support|operators) (?:a |the |)(?:\w+ ){0,2}?(?:time|way|ability|chance|"
        r"option|control|visibility|confidence|\w+ )",
    ),
    _anchored(
        "benefit", 2, "would", r" have (?:caught|prevented|avoided|saved|helped|stopped|detected)\b"
    ),
    Cue(
        "impact",
        2,
        _wordset("tickets reports complaints emails requests questions"),
        re.compile(
            r"\b\d+\+? (?:support |angry |customer |)(?:tickets|reports|complaints|support "
            r"requests|emails|requests|questions)\b"
        ),
        needs="0-9",
    ),
    Cue(
        "impact",
        2,
        _wordset(
            "traffic users customers orders revenue sessions visits signups sign ups accounts "
            "requests tenants"
        ),
        re.compile(
            r"\d+ ?% of (?:our |the |all |)(?:\w+ )?(?:traffic|users|customers|orders|revenue|"
            r"sessions|visits|sign-?ups|accounts|requests|tenants)\b",
        ),
        needs="%",
    ),
    _c(
        "impact",
        1,
        "deal deals arr mrr revenue prospect prospects contract contracts renewal renewals "
        "sla conversion retention",
        r"\b(?:deals?|arr|mrr|revenue|prospects?|contracts?|renewals?|sla|conversion|"
        r"retention)\b",
    ),
    _c(
        "impact",
        2,
        "bill spend costs cost",
        r"\b(?:bill|spend|costs?) (?:grew|increased|doubled|tripled|went up|is growing|"
        r"keeps growing)\b",
    ),
    _anchored(
        "today",
        2,
        "we i",
        r" (?:never|don't|do not|can't|cannot|have no way to|only) (?:know|tell|see|find out|"
        r"notice|hear|learn|realise|realize)\b",
    ),
    _c("today", 1, "just", r"\bjust to\b"),
    _c("impact", 1, "regression regressions", r"\bregressions?\b"),
    _c(
        "impact",
        1,
        "wasteful expensive costly slow angry upset wrong",
        r"\b(?:wasteful|expensive|costly|angry|upset|on the wrong|too (?:slow|narrow|small|"
        r"long|hard))\b",
    ),
    _c(
        "impact",
        2,
        "too",
        r"\btoo (?:\w+ ){1,2}to (?:read|use|see|work|click|find|navigate|load)\b",
    ),
    _anchored(
        "who",
        1,
        "i we",
        r" (?:can't|cannot|can not|am unable|are unable|have to|had to|need to|must|"
        r"lose|lost|keep|wasted|spend|spent|rely|depend|use this|would like to be able)\b",
    ),
    # --- consequences, conditions, costs, frequencies, who is blocked -------------------
    # Purposes in real issues are mostly plain prose: "so a missing row means…",
    # "otherwise…", "without it…", "if we switch it off, their reports stop", "this blocks…",
    # "we lose…", "~40 hours a month", "the #1 support request". A failure described on its
    # own ("X does not work", steps, errors) still matches none of these.
    _anchored("impact", 2, "so", r" (?:that |)[^.!?\n;]{0,50}?\bmeans?\b", needs=" mean"),
    # Only at the start of a clause ("works otherwise" is not a consequence).
    _anchored("impact", 2, "otherwise", r"(?<!\w otherwise),? (?!\.)[a-z]"),
    _anchored("impact", 2, "else", r"(?<!\w or else)(?<=or else),? (?!\.)[a-z]"),
    _anchored(
        "impact",
        2,
        "without",
        r"(?<!\w without) (?:it|this|that|them|these|those|such|the (?:\w+[ -]){0,2}?(?:fix|"
        r"change|feature|check|option|field|support|integration|export|import|endpoint|guide|"
        r"docs)|(?:\w+[ -]){1,2}?)\b" + _CONSEQUENCE,
    ),
    _anchored(
        "impact",
        2,
        "with",
        r"(?<!\w with) no (?:\w+ ){0,2}?\w+\b" + _CONSEQUENCE,
        needs="with no ",
    ),
    _anchored(
        "impact",
        2,
        "if",
        r" (?:we|this|it|that|they|these|those|the (?:\w+ ){0,2}?(?:job|endpoint|api|feature|"
        r"service|check|flag|option|integration|import|export|link|page|button|field|cert|"
        r"certificate|token|key|domain)) [^.!?\n]{2,60}?[, ]+(?:then )?(?:their|our|all|every|"
        r"nobody|no one|everyone|customers?|users?|people|we|they|teams?|clients?|support|"
        r"finance)\b[^.!?\n]{0,50}?\b(?:stop|stops|fail|fails|break|breaks|go|goes|lose|loses|"
        r"can't|cannot|won't|will|have to|has to|need to|end up|ends up|miss|misses|only|"
        r"never|get|gets|are|is)\b",
        "their|our|all|every|nobody|no|everyone|customers|customer|users|user|people|we|they|"
        "teams|team|clients|client|support|finance",
    ),
    _c(
        "impact",
        2,
        "blocks blocking blocker",
        r"\b(?:this|it|which|that|currently|still) (?:is |also |)(?:blocks|blocking|a blocker)"
        r"\b(?! (?:the |)(?:main|ui|event|render|calling|current) (?:thread|loop))",
    ),
    _anchored(
        "impact",
        2,
        "we",
        r" (?:are |keep |will |would |)(?:lose|lost|losing|lose out|miss out|missed out|"
        r"refund\w*|get paged|got paged|pay|paid|are paying|eat the cost)\b"
        r"(?! (?:the |our |)(?:connection|focus|the connection|context))",
    ),
    _c(
        "who",
        2,
        "forced",
        r"\b(?:are|is|were|was|get|gets|got|feel|being) forced to\b",
    ),
    _c(
        "who",
        2,
        "asking requesting begging",
        r"\b(?:keeps?|kept|are|is|have been|has been|were|was|constantly|always) (?:\w+ )?"
        r"(?:asking|requesting|begging) (?:for|about|us|when)\b",
    ),
    _anchored(
        "impact",
        2,
        "most",
        r" (?:common|frequent|asked|requested|expensive|tedious|time-consuming|error-prone) "
        + _RANKED,
    ),
    _anchored("impact", 2, "number top biggest largest slowest worst", r"(?: one)? " + _RANKED),
    Cue(
        "impact",
        2,
        _wordset(
            "question questions request requests complaint complaints ticket tickets "
            "cost costs reason reasons feedback source"
        ),
        re.compile(
            r"#1 (?:\w+ ){0,2}?(?:questions?|requests?|complaints?|tickets?|costs?|"
            r"reasons?|feedback|source)\b"
        ),
        needs="#1",
    ),
    _c(
        "impact",
        2,
        "question questions",
        r"\bquestions? (?:we|support|they|people) (?:\w+ ){0,2}?(?:most|all the time|"
        r"constantly|every (?:day|week))\b",
    ),
    _c(
        "impact",
        2,
        "nobody notices",
        r"\b(?:nobody|no one) (?:notices|knows|finds out|sees|realises|realizes|is told)\b",
    ),
    _anchored(
        "impact",
        2,
        "until",
        r" (?:a |the |our |)(?:customers?|users?|clients?|someone|somebody) (?:\w+ )?"
        r"(?:complains?|writes? in|calls?|reports? it|emails?|tells? us|notices|opens? a ticket)"
        r"\b",
    ),
    _anchored(
        "impact",
        2,
        "deal deals sales renewal renewals contract contracts launch release releases "
        "migration rollout onboarding deadline deadlines",
        r" (?:\w+ ){0,3}?(?:stall|stalls|stalled|slip|slips|slipped|fall through|"
        r"fell through|(?:are|were|was|is|get|got) (?:lost|delayed|at risk|on hold)|"
        r"at risk)\b",
    ),
    _c(
        "benefit",
        2,
        "requirement",
        r"\b(?:hard|mandatory|legal|contractual|regulatory|non-negotiable|firm) requirement\b",
    ),
    _c(
        "impact",
        2,
        "doubled tripled grew increased jumped spiked rose",
        r"\b(?:chargebacks?|chargeback rate|refunds?|complaints?|tickets?|churn|cancellations?|"
        r"costs?|bill|spend|support (?:load|volume)|bounce rate|no-shows|returns|pages|"
        r"escalations) (?:\w+ ){0,2}?(?:has |have |)(?:doubled|tripled|grew|increased|jumped|"
        r"spiked|rose)\b",
    ),
    _c(
        "impact",
        2,
        "retires retiring sunsets sunsetting discontinued discontinues drop drops dropping",
        r"\b(?:retires|retiring|will retire|sunsets|is sunsetting|will sunset|(?:is|are|will "
        r"be) discontinued|discontinues|(?:drops?|is dropping|will drop) (?:support|their|its) "
        r"(?:for )?(?:\w+[ -]){0,2}?(?:support|images?|versions?|runtime|api))\b",
    ),
    _anchored("impact", 2, "from", r" then on\b" + _AFTERWARDS, needs="then on"),
    _anchored("impact", 2, "after", r" that\b" + _AFTERWARDS, needs="after that"),
    _anchored("impact", 2, "once", r" that happens\b" + _AFTERWARDS, needs="that happens"),
    _c(
        "benefit",
        2,
        "without",
        r"\b(?:could|can|would|will|to) (?:\w+ ){0,2}?without (?:waiting|queu\w+|having to|"
        r"needing|asking|depending|bothering|filing|opening a ticket)\b",
    ),
    # Effort as a cost: "about 40 hours a month", "2 days of manual work".
    Cue(
        "impact",
        2,
        _wordset("hours days person engineer"),
        re.compile(
            r"\b\d+(?:[.,]\d+)?\+? (?:person-|engineer-|man-|developer-)?(?:hours|days) "
            r"(?:a|per|each|every|of (?:work|effort|manual|support|engineering|toil|someone)|"
            r"across|spent|lost|wasted|last (?:week|month|quarter|year)|this (?:week|month))\b"
        ),
        needs="0-9",
    ),
    # Weak hints that only count together (weight 1 each): how often, how many, how long.
    Cue(
        "impact",
        1,
        _wordset("day week month shift sprint release hour night quarter year morning"),
        re.compile(r"\b\d[\d,.]*\+? " + _PER_PERIOD),
        needs="0-9",
    ),
    _anchored(
        "impact",
        1,
        "dozens hundreds thousands several",
        r" " + _PER_PERIOD,
    ),
    _anchored(
        "impact",
        1,
        "every each",
        r" (?:single )?(?:day|week|month|shift|sprint|release|morning|night|quarter|spring|"
        r"year|deploy)\b",
    ),
    _anchored(
        "impact",
        1,
        "half third thirds quarter quarters most majority",
        r" of (?:all |our |the |their |)(?:[\w-]+ )?(?:users|customers|traffic|bookings|"
        r"orders|visits|sessions|team|contacts|requests|accounts|tenants|revenue|sales|"
        r"sign-?ups|clients|tickets|calls|minutes|budget|spend|bill|base|members|staff)\b",
    ),
    _anchored(
        "impact",
        1,
        "take takes took taking eats ate",
        r" (?:us |them |people |everyone |)(?:~|about |"
        r"around |roughly |almost |nearly |over |more than |at least |up to |)(?:\d+|an?|"
        r"half an?|several|" + _NUMWORD + r") (?:\w+ )?(?:hours?|days?|minutes|weeks?)\b",
    ),
    _c("cause", 1, "why", r"\b(?:that|this|it|which) (?:is|'s) (?:why|the reason)\b"),
    # --- difficulty, consequence, goal, cost already paid, harm in the user's words ------
    # (measured on the real-issue corpus, tuning part: these are the shapes its missed
    # purposes take).
    _c(
        "impact",
        2,
        "makes make making made",
        r"\b(?:makes?|making|made) (?:it|this|things|life|debugging|tracking|reviewing) "
        r"(?:very |really |much |so |extremely |quite |a lot |)(?:harder|hard|difficult|"
        r"impossible|tricky|painful|cumbersome|annoying|confusing|tedious|slower)\b",
    ),
    _c(
        "impact",
        2,
        "without",
        r"\bwithout (?:this|it|that|them|such|these)\b[^.!?\n]{0,40}?\b(?:hard|difficult|"
        r"impossible|can't|cannot|no way|have to|must|lose|breaks?|fails?)\b",
    ),
    _c(
        "impact",
        2,
        "hard difficult impossible",
        r"\b(?:hard|difficult|impossible) to (?:\w+ ){0,3}?without\b",
    ),
    _c(
        "impact",
        2,
        "caused causing has have",
        r"\b(?:has|have|had) (?:already |repeatedly |often |)(?:caused|led to|resulted in|cost) "
        r"(?:us |me |them |users |)(?:a lot of |lots of |unnecessary |needless |extra |many |"
        r"several |real |significant |some |)(?:maintenance|work|pain|confusion|problems|issues|"
        r"bugs|outages|incidents|headaches|trouble|breakage|churn|time|hours|days|data loss)\b",
    ),
    _anchored(
        "impact",
        2,
        "i we",
        r" (?:have |had |just |already |)(?:lost|lose|losing) (?:everything|all|my|our|hours|"
        r"days|weeks|a day|a week|an hour|the whole|the entire|half)\b",
    ),
    _c(
        "impact",
        2,
        "having lost",
        r"\b(?:having lost|lost everything|lost all (?:my|our|of)|all (?:my|our) (?:work|data|"
        r"changes|progress|files|notes|settings) (?:is|was|were|are|got) (?:lost|gone|deleted|"
        r"wiped))\b",
    ),
    _anchored(
        "benefit",
        2,
        "so",
        r" (?:its|it's|it is|that's|this is|they're|we're|i'm|i am|you're) (?:not|no longer|"
        r"never|always|easier|safer|faster|clear|obvious|visible|readable)\b",
    ),
    _anchored(
        "benefit",
        2,
        "so",
        r" (?:i|we|you|they|users|people) (?:won't|will not|don't|do not|wouldn't|no longer) "
        r"(?:have to|need to|burn|lose|miss|forget|break|get)\b",
    ),
    _anchored(
        "benefit",
        2,
        "so",
        r" (?:that )?(?:the|a|an|my|our|their|your|each|every|any|new) (?:\w+ ){1,3}?(?:can|"
        r"could|will|would|won't|doesn't|does not|don't|do not|isn't|is not|stays|remains|gets|"
        r"keeps|works|is able|are able|no longer|never)\b",
    ),
    _anchored(
        "benefit",
        2,
        "would will could",
        r" (?:also |really |then |)(?:provide|give (?:us|users|people|them|you|a|an|the)|ensure|"
        r"guarantee|protect|keep (?:users|people|us|them|the)|make sure|lead to|result in|"
        r"mean (?:that|less|fewer|more|we|users)|ease|facilitate)\b",
    ),
    _c(
        "benefit",
        2,
        "allowing enabling",
        r"\b(?:allowing|enabling) (?:for|us|users|people|them|you|me|the (?:user|users|team)|"
        r"customers|developers|admins)\b",
    ),
    _c(
        "impact",
        2,
        "too",
        r"\b(?:is|are|it's|its|it is|gets|looks|feels) (?:way |much |far |just |)too (?:bright|"
        r"dark|small|slow|big|large|long|loud|noisy|confusing|complicated|cluttered|busy|"
        r"expensive|hard to read)\b",
    ),
    _c(
        "impact",
        2,
        "blinding blinds eyes eye strain",
        r"\b(?:blinding|blinds (?:me|us|users)|(?:hurts?|burns?|burn|strains?|tires?) (?:my|the|"
        r"our|your|their) eyes|eye ?strain)\b",
    ),
    _c(
        "benefit",
        2,
        "goal aim purpose intent",
        r"\b(?:the |our |my |)(?:goal|aim|purpose|intent|idea) (?:of|behind|for) (?:this|these|"
        r"the|that) (?:\w+ ){0,3}?(?:is|would be|will be|was)\b",
    ),
)

_ES: tuple[Cue, ...] = (
    _c("cause", 2, "porque", r"\bporque\b"),
    _c("cause", 2, "ya", r"\bya que\b"),
    _c("cause", 1, "debido", r"\bdebido a\b"),
    _c("benefit", 2, "para", r"\bpara que\b"),
    _c("benefit", 2, "con fin", r"\b(?:con el fin de|a fin de)\b"),
    _c(
        "benefit",
        2,
        "permitiria permitira ayudaria ayudara facilitaria facilitara mejoraria mejorara "
        "reduciria reducira evitaria evitara ahorraria ahorrara",
        r"\b(?:permitir|ayudar|facilitar|mejorar|reducir|evitar|ahorrar)(?:ia|a)\b",
    ),
    _c(
        "today",
        2,
        "actualmente hoy momento ahora",
        r"\b(?:actualmente|hoy en dia|en este momento|ahora mismo|hoy)\b[^.!?\n]{0,80}?\b(?:no "
        r"(?:se )?(?:puede|pueden|podemos|hay)|tienen que|tenemos que|hay que|debemos|"
        r"manualmente|solo|requiere)\b",
    ),
    _c(
        "who",
        2,
        "usuarios clientes administradores desarrolladores personas",
        r"\b(?:usuarios|clientes|administradores|desarrolladores|personas)\b[^.!?\n]{0,50}?"
        r"\b(?:no pueden|tienen que|pierden|deben|se quejan|necesitan|piden|no saben)\b",
    ),
    _c("impact", 2, "perdida pierden", r"\b(?:perdida de datos|pierden)\b"),
    _c("impact", 1, "bloquea bloqueado bloquean", r"\bbloque\w+\b"),
    _c("today", 1, "manualmente", r"\bmanualmente\b"),
    _c("today", 2, "no", r"\bno hay (?:forma|manera|opcion)\b"),
    _c("benefit", 2, "el objetivo", r"\bel objetivo es\b"),
    # consequences, conditions, costs, frequencies (see the English block)
    _c("impact", 2, "contrario", r"\b(?:de lo contrario|en caso contrario)\b"),
    _c(
        "impact",
        2,
        "sin",
        r"\bsin (?:esto|ello|eso|esta? \w+)\b,? [^.!?\n]{0,50}?\b(?:no pueden|no podemos|"
        r"tienen que|tenemos que|perdemos|pierden|se bloquea\w*|se pierde\w*|falla\w*)\b",
    ),
    _c(
        "impact",
        2,
        "nadie hasta",
        r"\b(?:nadie (?:se entera|se da cuenta|lo nota|sabe)|hasta que (?:el|un|los) clientes? "
        r"(?:se queja\w*|llama\w*|escribe\w*|reclama\w*))\b",
    ),
    _c("impact", 2, "queja quejas", r"\bquejas?\b"),
    _c(
        "impact",
        2,
        "tickets llamadas consultas",
        r"\b(?:tickets|llamadas|consultas|solicitudes) (?:de|a|al) soporte\b",
    ),
    _c(
        "benefit",
        2,
        "rgpd lopd ley normativa requisito hacienda",
        r"\b(?:rgpd|lopd|obligatorio por ley|(?:exige|exigido por) la (?:ley|normativa)|"
        r"normativa|requisito legal|hacienda)\b",
    ),
    _c("who", 2, "obligados obliga", r"\b(?:(?:se ven|estan|somos) obligados a|nos obliga a)\b"),
    _c("today", 1, "mano", r"\ba mano\b"),
    _c(
        "impact",
        1,
        "lleva llevan cuesta cuestan perdemos pierden dedicamos dedican gastamos gastan",
        r"\b(?:lleva|llevan|cuesta|cuestan|perdemos|pierden|dedicamos|dedican|gastamos|gastan)"
        r" (?:\w+ ){0,3}?(?:horas?|dias|minutos|semanas)\b",
    ),
    _c(
        "impact",
        1,
        "cada todos todas",
        r"\b(?:cada (?:dia|semana|mes|vez|lunes|noche)|todos los (?:dias|meses|lunes)|"
        r"todas las semanas)\b",
    ),
    _c("impact", 1, "mayoria mitad tercio", r"\b(?:la mayoria|la mitad|un tercio) de\b"),
    # difficulty, consequence, harm (real-issue corpus)
    _c(
        "impact",
        2,
        "dificil dificulta dificultan imposible hace",
        r"\b(?:(?:es|resulta|se hace) (?:muy |)(?:dificil|imposible)|dificulta\w*|"
        r"hace (?:dificil|imposible))\b",
    ),
    _c(
        "impact",
        2,
        "puede pueden provoca causa genera",
        r"\b(?:lo que |esto |)(?:puede|pueden) (?:causar|provocar|generar|confundir|llevar a)\b",
    ),
    _c(
        "impact",
        2,
        "perdi perdimos pierdo",
        r"\b(?:perdi|perdimos|pierdo) (?:todo|todos|mi|mis|el|los)\b",
    ),
)

_PT: tuple[Cue, ...] = (
    _c("cause", 2, "porque", r"\bporque\b"),
    _c("cause", 1, "pois", r"\bpois\b"),
    _c("cause", 2, "ja", r"\bja que\b"),
    _c("cause", 1, "devido", r"\bdevido a\b"),
    _c("benefit", 2, "para", r"\bpara que\b"),
    _c("benefit", 2, "a fim", r"\ba fim de\b"),
    _c(
        "benefit",
        2,
        "permitiria permitira ajudaria ajudara facilitaria facilitara melhoraria melhorara "
        "reduziria reduzira evitaria evitara economizaria economizara",
        r"\b(?:permitir|ajudar|facilitar|melhorar|reduzir|evitar|economizar)(?:ia|a)\b",
    ),
    _c(
        "today",
        2,
        "atualmente hoje momento",
        r"\b(?:atualmente|hoje em dia|no momento|hoje)\b[^.!?\n]{0,80}?\b(?:nao (?:e possivel|"
        r"consegue|conseguem|podemos|pode|ha)|precisa|precisam|temos que|tem que|tem de|"
        r"manualmente|so|apenas)\b",
    ),
    _c(
        "who",
        2,
        "usuarios clientes administradores desenvolvedores pessoas",
        r"\b(?:usuarios|clientes|administradores|desenvolvedores|pessoas)\b[^.!?\n]{0,50}?"
        r"\b(?:nao conseguem|nao podem|precisam|perdem|tem que|reclamam|pedem)\b",
    ),
    _c("impact", 2, "perda perdem", r"\b(?:perda de dados|perdem)\b"),
    _c("impact", 1, "bloqueia bloqueado bloqueiam", r"\bbloque\w+\b"),
    _c("today", 1, "manualmente", r"\bmanualmente\b"),
    _c("today", 2, "nao", r"\bnao (?:ha|existe) (?:como|forma|maneira|opcao)\b"),
    _c("benefit", 2, "o objetivo", r"\bo objetivo e\b"),
    # consequences, conditions, costs, frequencies (see the English block)
    _c("impact", 2, "contrario senao", r"\b(?:caso contrario|do contrario|senao)\b"),
    _c(
        "impact",
        2,
        "sem",
        r"\bsem (?:isso|isto|essa? \w+|esse \w+)\b,? [^.!?\n]{0,50}?\b(?:nao conseguem|"
        r"nao podemos|precisam|temos que|perdemos|perdem|falha\w*)\b",
    ),
    _c(
        "impact",
        2,
        "ninguem ate",
        r"\b(?:ninguem (?:fica sabendo|percebe|sabe|nota)|ate (?:que )?(?:o|um|os) clientes? "
        r"(?:reclam\w+|ligar|ligue\w*|escrever|avisar))\b",
    ),
    _c("impact", 2, "reclamacoes reclamacao reclamam", r"\b(?:reclamac(?:oes|ao)|reclamam)\b"),
    _c(
        "impact",
        2,
        "chamados tickets ligacoes",
        r"\b(?:chamados|tickets|ligacoes) (?:de|no|ao|para o) suporte\b",
    ),
    _c(
        "benefit",
        2,
        "lgpd lei legislacao exigencia receita",
        r"\b(?:lgpd|obrigatorio por lei|exigid[oa] por lei|legislacao|exigencia legal|"
        r"receita federal)\b",
    ),
    _c("who", 2, "obrigados obriga", r"\b(?:(?:sao|somos|ficam) obrigados a|nos obriga a)\b"),
    _c("today", 1, "mao", r"\b(?:a|na) mao\b"),
    _c(
        "impact",
        1,
        "leva levam custa perdemos perdem gastamos gastam",
        r"\b(?:leva|levam|custa|perdemos|perdem|gastamos|gastam) (?:\w+ ){0,3}?(?:horas?|dias|"
        r"minutos|semanas)\b",
    ),
    _c(
        "impact",
        1,
        "cada todo toda todos",
        r"\b(?:cada (?:dia|semana|mes|vez)|todo (?:dia|mes)|toda (?:semana|vez)|"
        r"todos os (?:dias|meses))\b",
    ),
    _c("impact", 1, "maioria metade terco", r"\b(?:a maioria|metade|um terco) d"),
    # difficulty, consequence, harm (real-issue corpus)
    _c(
        "impact",
        2,
        "dificil dificulta dificultam impossivel torna",
        r"\b(?:(?:e|fica|torna(?:-se)?) (?:muito |)(?:dificil|impossivel)|dificulta\w*|"
        r"torna (?:dificil|impossivel))\b",
    ),
    _c(
        "impact",
        2,
        "pode podem levar causar gerar",
        r"\b(?:o que |que |isso |)(?:pode|podem|vai) (?:levar|causar|gerar|confundir)\b",
    ),
    _c(
        "impact",
        2,
        "perdi perdemos perco",
        r"\b(?:perdi|perdemos|perco) (?:tudo|todo|todos|os|o|meu|meus)\b",
    ),
)

_DE: tuple[Cue, ...] = (
    _c("cause", 2, "weil", r"\bweil\b"),
    _c("cause", 1, "da", r"\bda (?:wir|die|der|es|das|man|ich|unsere|sie)\b"),
    _c("cause", 1, "aufgrund", r"\baufgrund\b"),
    _c("benefit", 2, "damit", r"\bdamit\b"),
    _c("benefit", 1, "um", r"\bum [^.!?\n]{1,60}? zu\b"),
    _c("benefit", 2, "sodass so", r"\bso ?dass\b"),
    _c(
        "benefit",
        2,
        "das dies es",
        r"\b(?:das|dies|es) (?:wurde|wird|konnte|wurden) [^.!?\n]{0,40}?(?:ermoglichen|helfen|"
        r"erleichtern|reduzieren|vermeiden|verbessern|sparen|verhindern)\b",
    ),
    _c(
        "benefit",
        1,
        "ermoglicht ermoglichen erleichtert spart vermeidet verhindert reduziert",
        r"\b(?:ermoglicht|ermoglichen|erleichtert|spart|vermeidet|verhindert|reduziert)\b",
    ),
    _c(
        "today",
        2,
        "derzeit aktuell momentan zurzeit im heute",
        r"\b(?:derzeit|aktuell|momentan|zurzeit|im moment|heute)\b[^.!?\n]{0,80}?\b(?:muss|"
        r"mussen|nicht moglich|kann nicht|konnen nicht|gibt es keine|keine moglichkeit|manuell|"
        r"nur)\b",
    ),
    _c(
        "who",
        2,
        "nutzer benutzer kunden anwender entwickler admins",
        r"\b(?:nutzer|benutzer|kunden|anwender|entwickler|admins)\b[^.!?\n]{0,50}?\b(?:konnen "
        r"nicht|konnen keine|mussen|verlieren|beschweren|wissen nicht)\b",
    ),
    _c("impact", 2, "datenverlust", r"\bdatenverlust\b"),
    _c("impact", 1, "blockiert", r"\bblockiert\b"),
    _c("today", 1, "manuell", r"\bmanuell\b"),
    _c("today", 2, "es", r"\bes gibt keine (?:moglichkeit|option)\b"),
    _c("benefit", 2, "das ziel", r"\bdas ziel ist\b"),
    # consequences, conditions, costs, frequencies (see the English block)
    _c(
        "impact",
        2,
        "sonst andernfalls ansonsten",
        r"(?:^|[.;:!?,]\s*|\n)(?:sonst|andernfalls|ansonsten)\b",
    ),
    _c(
        "impact",
        2,
        "ohne",
        r"\bohne (?:das|dies|diese\w*|es)\b[^.!?\n]{0,50}?\b(?:konnen|mussen|verlieren|"
        r"scheitern|bleiben|fallen)\b",
    ),
    _c(
        "impact",
        2,
        "niemand bis",
        r"\b(?:niemand (?:merkt|bemerkt|weiss|sieht)|bis (?:sich )?(?:der|ein) kunde"
        r"[^.!?\n]{0,20}?beschwert)\b",
    ),
    _c(
        "benefit",
        2,
        "dsgvo gesetzlich gesetzliche rechtlich rechtliche steuerrecht betriebsprufung "
        "finanzamt vorgeschrieben",
        r"\b(?:dsgvo|gesetzlich\w*|rechtlich\w*|steuerrecht\w*|betriebsprufung|finanzamt|"
        r"vorgeschrieben)\b",
    ),
    _c(
        "impact",
        2,
        "supportanfragen support tickets anfragen beschwerden",
        r"\b(?:supportanfragen|support-?tickets|anfragen (?:an|beim) support|beschwerden)\b",
    ),
    _c("who", 2, "gezwungen", r"\bgezwungen\b"),
    _c("today", 1, "hand", r"\b(?:von|per) hand\b"),
    _c(
        "impact",
        1,
        "kostet kosten dauert brauchen verlieren",
        r"\b(?:kostet|kosten|dauert|brauchen|verlieren) (?:\w+ ){0,3}?(?:stunden?|tage|"
        r"minuten|wochen)\b",
    ),
    _c(
        "impact",
        1,
        "jeden jede jedes taglich wochentlich",
        r"\b(?:jede[ns]? (?:tag|woche|monat|mal|montag|release)|taglich|wochentlich)\b",
    ),
    _c("impact", 1, "meisten halfte drittel", r"\b(?:die meisten|die halfte|ein drittel)\b"),
    # difficulty, consequence, harm (real-issue corpus)
    _c(
        "impact",
        2,
        "schwer schwierig unmoglich muhsam erschwert",
        r"\b(?:(?:ist|wird|macht) (?:es |)(?:sehr |ziemlich |)(?:schwer|schwierig|unmoglich|"
        r"muhsam)|erschwert)\b",
    ),
    _c("benefit", 2, "sodass so", r"\b(?:sodass|so dass)\b"),
    _c(
        "impact",
        2,
        "verloren verliere verlieren",
        r"\b(?:verloren(?:gegangen)?|verliere|verlieren)\b",
    ),
)

_FR: tuple[Cue, ...] = (
    _c("cause", 2, "parce", r"\bparce qu"),
    _c("cause", 2, "puisque puisqu", r"\bpuisqu"),
    _c("cause", 1, "car", r"\bcar\b"),
    _c("cause", 1, "en", r"\ben raison de\b"),
    _c("benefit", 2, "afin pour", r"\b(?:afin de|afin qu|pour qu)"),
    _c(
        "benefit",
        2,
        "permettrait permettra aiderait aidera faciliterait facilitera ameliorerait "
        "ameliorera reduirait reduira eviterait evitera simplifierait simplifiera",
        r"\b(?:permett|aider|faciliter|ameliorer|reduir|eviter|simplifier)(?:ait|a)\b",
    ),
    _c(
        "today",
        2,
        "actuellement aujourd'hui en pour a",
        r"\b(?:actuellement|aujourd'hui|en ce moment|pour l'instant|a l'heure actuelle)\b"
        r"[^.!?\n]{0,80}?\b(?:doit|doivent|devons|faut|impossible|pas possible|ne peut|"
        r"ne peuvent|ne pouvons|manuellement|seulement|uniquement)\b",
    ),
    _c(
        "who",
        2,
        "utilisateurs clients administrateurs developpeurs gens",
        r"\b(?:utilisateurs|clients|administrateurs|developpeurs|gens)\b[^.!?\n]{0,50}?"
        r"\b(?:ne peuvent|doivent|perdent|se plaignent|demandent|ne savent)\b",
    ),
    _c("impact", 2, "perte perdent", r"\b(?:perte de donnees|perdent)\b"),
    _c("impact", 1, "bloque bloquant bloquee", r"\bbloqu\w+\b"),
    _c("today", 1, "manuellement", r"\bmanuellement\b"),
    _c("today", 2, "il", r"\bil n'y a (?:pas|aucune?) (?:de )?(?:moyen|option|possibilite)\b"),
    _c("benefit", 2, "l'objectif le", r"\b(?:l'objectif|le but) est\b"),
    # consequences, conditions, costs, frequencies (see the English block)
    _c("impact", 2, "sinon", r"(?:^|[.;:!?,]\s*|\n)sinon\b"),
    _c(
        "impact",
        2,
        "sans",
        r"\bsans (?:cela|ca|ceci|cette \w+|ce \w+)\b,? [^.!?\n]{0,50}?\b(?:ne peuvent|"
        r"ne pouvons|doivent|devons|perdons|perdent|echoue\w*)\b",
    ),
    _c(
        "impact",
        2,
        "personne jusqu'a",
        r"\b(?:personne ne (?:remarque|s'en rend compte|sait|voit)|jusqu'a ce qu'(?:un|le) "
        r"client)",
    ),
    _c(
        "impact",
        2,
        "appels appel tickets demandes plaintes",
        r"\b(?:appels? (?:au|du) support|tickets? (?:de|au) support|demandes (?:au|de) support|"
        r"plaintes)\b",
    ),
    _c(
        "benefit",
        2,
        "rgpd obligation reglementaire exige loi",
        r"\b(?:rgpd|obligation legale|reglementaire|exige par la loi|la loi impose)\b",
    ),
    _c("who", 2, "obliges oblige", r"\b(?:sont|sommes) obliges de\b"),
    _c("today", 1, "main", r"\ba la main\b"),
    _c("impact", 1, "hors panne indisponible", r"\b(?:hors ligne|en panne|indisponible)\b"),
    _c(
        "impact",
        1,
        "prend prennent coute perdons perdent passons passent",
        r"\b(?:prend|prennent|coute|perdons|perdent|passons|passent) (?:\w+ ){0,3}?(?:heures?|"
        r"jours|minutes|semaines)\b",
    ),
    _c(
        "impact",
        1,
        "chaque tous toutes",
        r"\b(?:chaque (?:jour|semaine|mois|fois|lundi)|tous les (?:jours|mois|lundis)|"
        r"toutes les semaines)\b",
    ),
    _c(
        "impact",
        1,
        "plupart moitie tiers beaucoup",
        r"\b(?:la plupart d|la moitie d|un tiers d|beaucoup de (?:clients|utilisateurs))",
    ),
    # difficulty, consequence, harm (real-issue corpus)
    _c(
        "impact",
        2,
        "difficile impossible rend complique",
        r"\b(?:(?:est|devient|rend) (?:tres |)(?:difficile|impossible|complique)|"
        r"difficile de|impossible de)\b",
    ),
    _c(
        "impact",
        2,
        "peut peuvent entraine provoque cause",
        r"\bce qui (?:peut |)(?:entraine|provoque|cause|pose)\b",
    ),
    _c("impact", 2, "perdu perdre", r"\b(?:j'ai|nous avons|on a) (?:tout |)perdu\b"),
)

# Languages we cannot grade: a few unmistakable reason markers, only to lean towards
# present=True (never used to raise a high-confidence finding).
OTHER_SCRIPT_REASON = re.compile(
    r"因为|由于|为了|以便|目的|背景|动机|原因|导致|影响|影響|用户|用戶|不方便|麻烦|丢失|很难|难以|"
    r"只能|耗时|费时|浪费|手工|手动|否则|不然|投诉|阻塞|"
    r"때문에|위해|목적|배경|동기|이유|불편|영향|놓치|놓쳐|문의|매번|낭비|수동|그렇지 않으면|"
    r"потому что|так как|чтобы|из-за|мотивац|зачем|пользовател|"
    r"нет возможности|невозможно|неудобно|потерял|потеряли|теряю|теряет|сложно|"
    r"ため|目的|背景|ので|から"
)

# Success measures: numbers with targets and "done when" phrasing (language-neutral
# parts first; the digit gate keeps them cheap).
_NUM_UNIT = (
    r"\$?\d[\d.,]*\s*(?:%|percent|pct|ms|milliseconds|s\b|sec|seconds|minutes|mins?\b|"
    r"hours|h\b|days|weeks|users|customers|requests|rps|qps|req/s|errors|k\b|m\b|x\b|nps|"
    r"points|stars|downloads|signups|installs|teams|tenants|mb|gb|kb|fps|tickets|"
    r"nutzer|usuarios|utilisateurs)"
)
_METRIC_NOUNS = (
    r"rate|latency|uptime|conversion|retention|adoption|coverage|nps|csat|churn|error|"
    r"errors|availability|score|throughput|usage|accuracy|share|growth|satisfaction|"
    r"response time|load time|build time|tasa|taxa|quote|taux"
)
# (token gate, pattern): each part only runs when one of its gate words occurs.
MEASURE_NUMERIC_PARTS: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (
        frozenset({"from", "de", "von"}),
        re.compile(
            r"\b(?:from|de|von)\s*\$?\d[\d.,]*\s*\S{0,12}\s*(?:to|a|para|auf|bis|->|→)\s*\$?\d"
        ),
    ),
    (
        _wordset(
            "under below above over least most less more fewer greater within by to reach hit "
            "achieve exceed maintain menos mas mais weniger mehr unter moins plus pelo "
            "mindestens al"
        ),
        re.compile(
            r"\b(?:under|below|above|over|at least|at most|less than|more than|fewer than|"
            r"no more than|greater than|within|by|to|reach|hit|achieve|exceed|maintain|"
            r"menos de|mas de|mais de|weniger als|mehr als|unter|moins de|plus de|au moins|"
            r"al menos|pelo menos|mindestens)\s+" + _NUM_UNIT
        ),
    ),
    (frozenset({"p"}), re.compile(r"\bp(?:50|75|90|95|99)\b")),
    (
        _wordset(
            "rate latency uptime conversion retention adoption coverage nps csat churn error "
            "errors availability score throughput usage accuracy share growth satisfaction "
            "response load build tasa taxa quote taux"
        ),
        re.compile(
            r"\b(?:" + _METRIC_NOUNS + r")\b[^.!?\n]{0,60}?\d[\d.,]*\s*"
            r"(?:%|percent|ms|s\b|seconds|minutes|x\b)"
        ),
    ),
    (
        frozenset({"percent", "%"}),
        re.compile(
            r"\d[\d.,]*\s*(?:%|percent)[^.!?\n]{0,60}?\b(?:" + _METRIC_NOUNS + r"|of (?:users|"
            r"customers|requests|traffic|teams|tenants|repos|services|issues|tickets|"
            r"sessions)|reduction|increase|decrease|improvement|fewer|less|more|faster|"
            r"slower)\b"
        ),
    ),
)
# Comparison symbols with a number ("< 200 ms", "≥ 99.9%").
MEASURE_SYMBOL = re.compile(r"[<>≤≥]=?\s*\$?\d")


MEASURE_PHRASE = re.compile(
    r"\b(?:(?:done|complete|completed|finished|successful|a success|succeeded|closed|"
    r"shipped) (?:when|once|if)\b|success (?:is|means|will be|would be|looks like|=)\s+\w|"
    r"we(?:'ll| will| can) (?:know|consider|say|call) (?:this|it|we)\b|considered (?:done|"
    r"complete|successful|a success)\b|measured by\b|measure(?:d)? (?:success|progress|it|"
    r"this|impact) (?:by|with|through|via|using)\b|"
    r"(?:terminado|listo|completo|exito|pronto|concluido|sucesso) (?:cuando|quando|si|se)\b|"
    r"(?:fertig|erledigt|abgeschlossen|erfolgreich),? wenn\b|"
    r"(?:termine|fini|reussi|atteint)e?s? (?:quand|lorsque|si)\b)"
)
MEASURE_KEYWORD = re.compile(
    r"\b(?:success|metrics?|kpis?|targets?|outcomes?|measur\w+|key results?|okrs?|baseline|"
    r"acceptance criteria|definition of done|exit criteria|criterios?|criteres|kriterien|"
    r"metricas|metriques|kennzahlen|indicadores|indicateurs|exito|sucesso|erfolg|succes)\b"
)

# Token gates: the regexes above only run when one of these words occurs.
MEASURE_PHRASE_TRIGGERS = _wordset(
    "when once if success know consider say call considered measured measure cuando quando "
    "si se wenn quand lorsque"
)
MEASURE_KEYWORDS = _wordset(
    "success metric metrics kpi kpis target targets outcome outcomes measure measures "
    "measured measurable measurement measurements key result results okr okrs baseline "
    "acceptance criteria done exit criterio criterios criteres kriterien metricas metriques "
    "kennzahlen indicadores indicateurs exito sucesso erfolg succes"
)
STORY_TRIGGERS = _wordset("as como als tant")
STORY_VERBS = _wordset(
    "want need like wish able expect love can quiero necesito quisiera gostaria preciso "
    "mochte voudrais veux"
)

LANG_CUES: dict[str, tuple[Cue, ...]] = {
    "en": _EN,
    "es": _EN + _ES,
    "pt": _EN + _PT,
    "de": _EN + _DE,
    "fr": _EN + _FR,
}


@dataclass(frozen=True, slots=True)
class CueSet:
    """Purpose cues per language plus a team's extra phrases, indexed by trigger word."""

    by_lang: dict[str, dict[str, tuple[Cue, ...]]]
    trigger_keys: dict[str, frozenset[str]]
    extra_purpose: re.Pattern[str] | None
    extra_measure: re.Pattern[str] | None
    extra_purpose_sections: tuple[str, ...]
    extra_measure_sections: tuple[str, ...]


def _index(cues: tuple[Cue, ...]) -> dict[str, tuple[Cue, ...]]:
    idx: dict[str, list[Cue]] = {}
    for cue in cues:
        for t in cue.triggers:
            idx.setdefault(t, []).append(cue)
    return {k: tuple(v) for k, v in idx.items()}


_INDEXED: dict[str, dict[str, tuple[Cue, ...]]] = {k: _index(v) for k, v in LANG_CUES.items()}
_KEYS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _INDEXED.items()}


def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = [" ".join(fold(p).split()) for p in phrases if p.strip()]
    if not cleaned:
        return None
    alts = "|".join(re.escape(p) for p in sorted(cleaned, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alts + r")(?!\w)")


@lru_cache(maxsize=64)
def cue_set(
    purpose_cues: tuple[str, ...] = (),
    measure_cues: tuple[str, ...] = (),
    purpose_sections: tuple[str, ...] = (),
    measure_sections: tuple[str, ...] = (),
) -> CueSet:
    """Compiled cues for one configuration (cached: configs are reused across calls)."""
    from trackerguard.text.sections import normalize_key

    return CueSet(
        _INDEXED,
        _KEYS,
        _phrases(purpose_cues),
        _phrases(measure_cues),
        tuple(normalize_key(s) for s in purpose_sections if s.strip()),
        tuple(normalize_key(s) for s in measure_sections if s.strip()),
    )


def scan(
    folded: str, tokens: set[str], lang: str, cues: CueSet, enough: int = 1_000
) -> list[CueHit]:
    """Purpose cues found in ``folded`` text (one hit per distinct cue pattern).

    Stops early once the weights add up to ``enough`` and a strong cue was seen: the
    caller only needs to know the reason is there, not every way it is phrased.
    """
    if lang not in cues.by_lang:
        lang = "en"
    index = cues.by_lang[lang]
    seen: set[int] = set()
    hits: list[CueHit] = []
    total = 0
    strong = False
    has_digit: bool | None = None
    weak: dict[int, CueHit] = {}
    windows: dict[int, set[str]] = {}
    find = folded.find
    # Sorted: set order varies between processes, and evidence must not flap.
    for t in sorted(tokens & cues.trigger_keys[lang]):
        if total >= enough and strong:
            break
        ends: list[int] | None = None
        for cue in index[t]:
            key = id(cue)
            if key in seen:
                continue
            needs = cue.needs
            if needs:
                if needs == "0-9":
                    if has_digit is None:
                        has_digit = _ANY_DIGIT.search(folded) is not None
                    missing = not has_digit
                else:
                    missing = needs not in folded
                if missing:
                    seen.add(key)
                    continue
            if cue.anchored:
                if cue.fallback is None and not cue.gate:
                    hit = _anchored_search(folded, t, cue)
                else:
                    if ends is None:
                        ends = _word_ends(folded, t)
                    hit = _anchored_match(folded, t, cue, ends, windows)
                if hit is None:
                    continue
                weight = hit.weight
                if weight < cue.weight:
                    # Only the fallback matched here; another trigger word of the same
                    # cue may still give the full-weight match.
                    weak.setdefault(key, hit)
                    continue
                seen.add(key)
                if weak:
                    weak.pop(key, None)
                hits.append(hit)
                total += weight
                if weight >= 2:
                    strong = True
                continue
            seen.add(key)
            triggers = cue.triggers
            if len(triggers) == 1:
                first = find(t)
            else:
                inter = triggers.intersection(tokens)
                first = find(t) if len(inter) == 1 else min(map(find, inter))
            m = _search(cue, folded, max(0, first - cue.lead))
            if m:
                weight = cue.weight
                hits.append(CueHit(cue.category, weight, m.group(0), m.start()))
                total += weight
                if weight >= 2:
                    strong = True
    hits.extend(weak.values())
    if cues.extra_purpose is not None:
        m = cues.extra_purpose.search(folded)
        if m:
            hits.append(CueHit("configured", 2, m.group(0), m.start()))
    hits.sort(key=lambda h: h.start)
    return hits


_ANY_DIGIT = re.compile(r"\d")


def _search(cue: Cue, folded: str, pos: int) -> re.Match[str] | None:
    """``cue.rx.search(folded, pos)``, faster (see ``Cue.fast``)."""
    fast = cue.fast
    if fast is None:
        return cue.rx.search(folded, pos)
    m = fast.search(folded, pos)
    while m is not None:
        start = m.start()
        if start == 0:
            return m
        prev = folded[start - 1]
        if not (prev.isalnum() or prev == "_"):
            return m
        m = fast.search(folded, start + 1)
    return None


# Punctuation becomes a space so "lose." still opens the gate; the tail regex itself
# stops at the sentence end.
_GATE_SPLIT = str.maketrans({c: " " for c in ',;:()[]"`*_.!?'})
_GATE_BYTES = bytes(b if chr(b) not in ',;:()[]"`*_.!?' else 32 for b in range(256))


# (cue, trigger word) → the word followed by the cue's tail. A pattern that starts with a
# literal lets ``re`` jump between occurrences of the word in C; each is compiled once.
_WORD_TAIL: dict[tuple[int, str], re.Pattern[str]] = {}


def _anchored_search(folded: str, word: str, cue: Cue) -> CueHit | None:
    """``_anchored_match`` for cues without gate or fallback, as one regex search."""
    key = (id(cue), word)
    rx = _WORD_TAIL.get(key)
    if rx is None:
        w = re.escape(word)
        rx = re.compile(w + r"(?<!\w" + w + r")(?!\w)(?:" + cue.rx.pattern + ")")
        _WORD_TAIL[key] = rx
    m = rx.search(folded)
    if m is None:
        return None
    return CueHit(cue.category, cue.weight, m.group(0), m.start())


def _word_ends(folded: str, word: str) -> list[int]:
    """End offsets of the whole-word occurrences of ``word`` in ``folded``."""
    n = len(word)
    size = len(folded)
    out: list[int] = []
    pos = folded.find(word)
    while pos != -1:
        end = pos + n
        if (pos == 0 or not folded[pos - 1].isalnum()) and (
            end == size or not folded[end].isalnum()
        ):
            out.append(end)
        pos = folded.find(word, end)
    return out


def _anchored_match(
    folded: str,
    word: str,
    cue: Cue,
    ends: list[int] | None = None,
    windows: dict[int, set[str]] | None = None,
) -> CueHit | None:
    """Match ``cue.rx`` right after each whole-word occurrence of ``word``.

    ``ends`` (the occurrences) and ``windows`` (the words after each one, for the gate)
    can be shared between the cues of one trigger word; ``scan`` does.
    """
    if ends is None:
        ends = _word_ends(folded, word)
    n = len(word)
    gate = cue.gate
    weak: CueHit | None = None
    for end in ends:
        if gate:
            window = windows.get(end) if windows is not None else None
            if window is None:
                chunk = folded[end : end + 64]
                if chunk.isascii():
                    chunk = chunk.encode("ascii").translate(_GATE_BYTES).decode("ascii")
                else:
                    chunk = chunk.translate(_GATE_SPLIT)
                window = set(chunk.split())
                if windows is not None:
                    windows[end] = window
            if gate.isdisjoint(window):
                continue
        m = cue.rx.match(folded, end)
        if m:
            return CueHit(cue.category, cue.weight, folded[end - n : m.end()], end - n)
        if weak is None and cue.fallback is not None:
            f = cue.fallback.match(folded, end)
            if f:
                weak = CueHit(cue.category, 1, folded[end - n : f.end()], end - n)
    return weak
