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

    def __post_init__(self) -> None:
        if "{0," in self.rx.pattern and not self.anchored:
            object.__setattr__(self, "lead", 140)


@dataclass(frozen=True, slots=True)
class CueHit:
    """A matched cue and the text it matched (for evidence)."""

    category: str
    weight: int
    text: str
    start: int


def _c(category: str, weight: int, triggers: str, pattern: str) -> Cue:
    return Cue(category, weight, frozenset(triggers.split()), re.compile(pattern))


def _anchored(category: str, weight: int, triggers: str, tail: str, gate: str = "") -> Cue:
    return Cue(
        category,
        weight,
        frozenset(triggers.split()),
        re.compile(tail),
        True,
        gate=_first_words(gate) if gate else frozenset(),
    )


def _first_words(alternation: str) -> frozenset[str]:
    """First word of every branch of a plain ``a b|c|d e`` alternation."""
    return frozenset(alt.split()[0] for alt in alternation.split("|") if alt.strip())


_WHO = (
    r"users?|customers?|clients?|admins?|administrators?|developers?|devs|contributors?|"
    r"maintainers?|people|visitors?|readers?|operators?|teams?|members?|players?|editors?|"
    r"authors?|newcomers|beginners|everyone|anyone|folks|engineers|agents?|students|"
    r"teachers|volunteers|staff|buyers|sellers|merchants|patients|employees|reviewers|"
    r"translators|subscribers|viewers|researchers|analysts|designers|testers|partners|"
    r"tenants|consumers|downstream|organizations|orgs|companies|mobile users|ops|on-call"
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
    r"is locked out|get locked out|are left|wait|waits|have been"
)
_DEMAND = (
    r"want|wants|wanted|asked for|ask for|asks for|requested|have requested|would like|"
    r"would love|prefer|expect|expects|need|needs"
)

_TODAY_PROBLEM = (
    r"have to|has to|must|need to|needs to|forced|manually|no way|not possible|impossible|"
    r"can't|cannot|can not|only|requires|require|there is no|there's no|isn't|is not|doesn't|"
    r"does not|don't|do not|takes|take|fails|fail|breaks|break|relies|rely|hard|difficult|"
    r"lacks|lack|missing|no support|unable|limited|hardcoded|hard-coded|duplicated|slow|error"
)

_SO_FAIL = (
    r"fail|fails|break|breaks|crash|crashes|time out|times out|are lost|is lost|get lost|"
    r"are dropped|is dropped|never|can't|cannot|stop working|stops working"
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
        r"\b[^.!?\n]{0,80}?\b(?:" + _TODAY_PROBLEM + r")\b",
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
    # who is hurt
    # Who is hurt (weight 2) or, failing that, who asks for it (weight 1): one pass over
    # the occurrences of the (frequent) people words serves both.
    Cue(
        "who",
        2,
        _wordset(_WHO_TRIGGERS),
        re.compile(r"[^.!?\n]{0,50}?\b(?:" + _HURT + r")\b"),
        True,
        gate=_first_words(_HURT + "|" + _DEMAND),
        fallback=re.compile(r"[^.!?\n]{0,30}?\b(?:" + _DEMAND + r")\b"),
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
        + _SO_FAIL
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
        r"over |more than |at least |)(?:an? |\d+%? |half an? |several |many |hours|"
        r"days|weeks|minutes|time|most of)",
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
        "eol end out unsupported deprecated longer stopped",
        r"\b(?:eol|end[- ]of[- ]life|out of support|goes out of support|unsupported|"
        r"deprecated|no longer (?:supported|maintained|receives?|gets?)|stopped receiving)\b",
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
        r" (?:never|don't|do not|can't|cannot|have no way to) (?:know|tell|see|find out|notice)\b",
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
)

# Languages we cannot grade: a few unmistakable reason markers, only to lean towards
# present=True (never used to raise a high-confidence finding).
OTHER_SCRIPT_REASON = re.compile(
    r"因为|由于|为了|以便|目的|背景|动机|原因|导致|無法|无法|影响|影響|用户|用戶|"
    r"때문에|위해|목적|배경|동기|이유|불편|영향|"
    r"потому что|так как|чтобы|из-за|мотивац|зачем|пользовател|"
    r"ため|目的|背景|ので|から|できない"
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
    # Sorted: set order varies between processes, and evidence must not flap.
    for t in sorted(tokens & cues.trigger_keys[lang]):
        if total >= enough and strong:
            break
        for cue in index[t]:
            key = id(cue)
            if key in seen:
                continue
            if cue.needs:
                if cue.needs == "0-9":
                    if has_digit is None:
                        has_digit = _ANY_DIGIT.search(folded) is not None
                    missing = not has_digit
                else:
                    missing = cue.needs not in folded
                if missing:
                    seen.add(key)
                    continue
            if cue.anchored:
                hit = _anchored_match(folded, t, cue)
                if hit is None:
                    continue
                if hit.weight < cue.weight:
                    # Only the fallback matched here; another trigger word of the same
                    # cue may still give the full-weight match.
                    weak.setdefault(key, hit)
                    continue
                seen.add(key)
                weak.pop(key, None)
                hits.append(hit)
                total += hit.weight
                strong = strong or hit.weight >= 2
                continue
            seen.add(key)
            first = min(folded.find(w) for w in cue.triggers.intersection(tokens))
            m = cue.rx.search(folded, max(0, first - cue.lead))
            if m:
                hits.append(CueHit(cue.category, cue.weight, m.group(0), m.start()))
                total += cue.weight
                strong = strong or cue.weight >= 2
    hits.extend(weak.values())
    if cues.extra_purpose is not None:
        m = cues.extra_purpose.search(folded)
        if m:
            hits.append(CueHit("configured", 2, m.group(0), m.start()))
    hits.sort(key=lambda h: h.start)
    return hits


_ANY_DIGIT = re.compile(r"\d")

# Punctuation becomes a space so "lose." still opens the gate; the tail regex itself
# stops at the sentence end.
_GATE_SPLIT = str.maketrans({c: " " for c in ',;:()[]"`*_.!?'})


def _anchored_match(folded: str, word: str, cue: Cue) -> CueHit | None:
    """Match ``cue.rx`` right after each whole-word occurrence of ``word``."""
    n = len(word)
    gate = cue.gate
    weak: CueHit | None = None
    pos = folded.find(word)
    while pos != -1:
        end = pos + n
        if (pos == 0 or not folded[pos - 1].isalnum()) and (
            end == len(folded) or not folded[end].isalnum()
        ):
            if gate:
                window = folded[end : end + 64].translate(_GATE_SPLIT).split()
                if gate.isdisjoint(window):
                    pos = folded.find(word, end)
                    continue
            m = cue.rx.match(folded, end)
            if m:
                return CueHit(cue.category, cue.weight, folded[pos : m.end()], pos)
            if weak is None and cue.fallback is not None:
                f = cue.fallback.match(folded, end)
                if f:
                    weak = CueHit(cue.category, 1, folded[pos : f.end()], pos)
        pos = folded.find(word, end)
    return weak
