//! British to American spelling, so that `tumour` finds `tumor` and the reverse.
//!
//! [`americanize`] maps a lowercased, ASCII-folded word to its American spelling; the analyzer
//! applies it before stemming, to the index, the queries and the snippets alike, so both
//! spellings become the same term. The rules, in order:
//!
//! 1. irregular words, listed whole with their inflections (`programme`, `practise`, `mould`,
//!    `defence`, `enrolment`, `manoeuvre`...);
//! 2. Greek and Latin roots written with `ae`/`oe` in British medical English (`haem`, `aemia`,
//!    `paed`, `oesoph`, `oedem`, `oestr`, `foet`, `rrhoea`, `pnoea`, `coeli`...), anywhere in the
//!    word;
//! 3. endings, each with the inflections it takes and with the words that only look like
//!    variants left alone: `-our` → `-or` (`tumour`, `favourite`; not `four`, `hour`, `detour`),
//!    `-tre`/`-bre`/`-gre` → `-ter`/`-ber`/`-ger` (`centre`, `fibre`; not `ogre`, `string`,
//!    `hatred`), `-ise`/`-isation` → `-ize`/`-ization` (`organise`; not `exercise`, `promise`,
//!    `advise`, `otherwise`), `-yse` → `-yze` (`analyse`), `-ogue` → `-og` (`analogue`; not
//!    `vogue`, `synagogue`), and the doubled `l` of unstressed endings (`travelled`,
//!    `counsellor`; not `controlled`, `called`).
//!
//! `metre` and `meter` stay apart: in British text they are different words (a unit, a device).
//! The lists `tests/data/spelling/variants.tsv` (pairs that must meet) and
//! `tests/data/spelling/lookalikes.tsv` (words that must not change) are checked by the tests.

use std::borrow::Cow;

/// The American spelling of a lowercase word (the word itself when it has none).
pub fn americanize(word: &str) -> Cow<'_, str> {
    if !word.is_ascii() || word.len() < 4 {
        return Cow::Borrowed(word);
    }
    // This runs on every distinct word of the corpus and of each snippet, and most words
    // need no rule: one pass over the letter pairs tells which rules can apply.
    let mut pairs = 0u8;
    for pair in word.as_bytes().windows(2) {
        pairs |= match pair {
            b"ae" | b"oe" | b"ph" => ROOT,
            b"ou" => OUR,
            b"is" => ISE,
            b"ys" => YSE,
            b"og" => OGUE,
            b"ll" => DOUBLE_L,
            _ => 0,
        };
    }
    if let Ok(i) = IRREGULAR.binary_search_by(|(uk, _)| uk.cmp(&word)) {
        return Cow::Borrowed(IRREGULAR[i].1);
    }
    let mut out = Cow::Borrowed(word);
    if pairs & ROOT != 0 {
        for (uk, us) in ROOTS {
            if out.contains(uk) {
                out = Cow::Owned(out.replace(uk, us));
            }
        }
    }
    let rules: [(u8, Rule); 6] = [
        (OUR, our),
        (ANY, tre),
        (ISE, ise),
        (YSE, yse),
        (OGUE, ogue),
        (DOUBLE_L, double_l),
    ];
    for (needs, rule) in rules {
        if (needs == ANY || pairs & needs != 0)
            && let Some(changed) = rule(&out)
        {
            return Cow::Owned(changed);
        }
    }
    out
}

/// Letter pairs that a rule needs (bits of the mask `americanize` computes); `ANY`: none.
const ANY: u8 = 0;
const ROOT: u8 = 1;
const OUR: u8 = 2;
const ISE: u8 = 4;
const YSE: u8 = 8;
const OGUE: u8 = 16;
const DOUBLE_L: u8 = 32;

/// A spelling rule: the American form of a word, if the rule changes it.
type Rule = fn(&str) -> Option<String>;

/// Whole words with irregular American spellings, sorted by the British form.
const IRREGULAR: &[(&str, &str)] = &[
    ("acknowledgement", "acknowledgment"),
    ("acknowledgements", "acknowledgments"),
    ("ageing", "aging"),
    ("aluminium", "aluminum"),
    ("artefact", "artifact"),
    ("artefacts", "artifacts"),
    ("defence", "defense"),
    ("defences", "defenses"),
    ("distil", "distill"),
    ("distils", "distills"),
    ("draught", "draft"),
    ("draughts", "drafts"),
    ("enrol", "enroll"),
    ("enrolment", "enrollment"),
    ("enrolments", "enrollments"),
    ("enrols", "enrolls"),
    ("fulfil", "fulfill"),
    ("fulfilment", "fulfillment"),
    ("fulfils", "fulfills"),
    ("grey", "gray"),
    ("greyish", "grayish"),
    ("instalment", "installment"),
    ("instalments", "installments"),
    ("instil", "instill"),
    ("instils", "instills"),
    ("jewellery", "jewelry"),
    ("judgement", "judgment"),
    ("judgements", "judgments"),
    ("licence", "license"),
    ("licences", "licenses"),
    ("manoeuvrable", "maneuverable"),
    ("manoeuvre", "maneuver"),
    ("manoeuvred", "maneuvered"),
    ("manoeuvres", "maneuvers"),
    ("manoeuvring", "maneuvering"),
    ("mould", "mold"),
    ("moulded", "molded"),
    ("moulds", "molds"),
    ("mouldy", "moldy"),
    ("moult", "molt"),
    ("moustache", "mustache"),
    ("offence", "offense"),
    ("offences", "offenses"),
    ("plough", "plow"),
    ("practise", "practice"),
    ("practised", "practiced"),
    ("practises", "practices"),
    ("practising", "practicing"),
    ("pretence", "pretense"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("pyjamas", "pajamas"),
    ("sceptic", "skeptic"),
    ("sceptical", "skeptical"),
    ("scepticism", "skepticism"),
    ("sceptics", "skeptics"),
    ("skilful", "skillful"),
    ("skilfully", "skillfully"),
    ("smoulder", "smolder"),
    ("smouldering", "smoldering"),
    ("wilful", "willful"),
    ("wilfully", "willfully"),
    ("woollen", "woolen"),
];

/// Roots spelled with `ae`/`oe` (or `ph`) in British English, replaced wherever they occur.
/// None of them occurs in an English word that is not such a variant.
const ROOTS: &[(&str, &str)] = &[
    ("aemia", "emia"),
    ("aemic", "emic"),
    ("aesthe", "esthe"),
    ("aetiol", "etiol"),
    ("amoeb", "ameb"),
    ("anaesth", "anesth"),
    ("archaeo", "archeo"),
    ("caec", "cec"),
    ("caesarea", "cesarea"),
    ("caesaria", "cesaria"),
    ("coeli", "celi"),
    ("faec", "fec"),
    ("foet", "fet"),
    ("gynaec", "gynec"),
    ("haem", "hem"),
    ("homoeo", "homeo"),
    ("mediaev", "mediev"),
    ("oedem", "edem"),
    ("oesoph", "esoph"),
    ("oestr", "estr"),
    ("paed", "ped"),
    ("palaeo", "paleo"),
    ("phaeo", "pheo"),
    ("pnoe", "pne"),
    ("rrhoe", "rrhe"),
    ("sulph", "sulf"),
];

/// `word` as `stem + ending + tail` for one of `tails`, longest tail first: `(stem, tail)`.
fn split<'a>(
    word: &'a str,
    ending: &str,
    tails: &[&'static str],
) -> Option<(&'a str, &'static str)> {
    tails
        .iter()
        .filter_map(|&tail| Some((word.strip_suffix(tail)?.strip_suffix(ending)?, tail)))
        .max_by_key(|(_, tail)| tail.len())
}

/// `colour`, `favourite`, `behaviours` → `-or`. The stems listed are of words where `-our` is
/// no variant (`four`, `hour`, `your`, `pour`, `tour`, `detour`, `devour`...).
fn our(word: &str) -> Option<String> {
    const TAILS: &[&str] = &[
        "", "s", "ed", "ing", "er", "ers", "ful", "fully", "less", "able", "ably", "ite", "ites",
        "ist", "ists", "ly", "hood", "hoods", "ation", "y", "al", "ally",
    ];
    const NOT: &[&str] = &[
        "", "am", "b", "cont", "d", "det", "dev", "downp", "f", "fl", "h", "j", "l", "outp", "p",
        "param", "s", "sc", "t", "tamb", "troubad", "vel", "y",
    ];
    let (stem, tail) = split(word, "our", TAILS)?;
    (!NOT.contains(&stem) && !stem.ends_with("four") && !stem.ends_with("hour"))
        .then(|| format!("{stem}or{tail}"))
}

/// `centre`, `fibres`, `meagre`, `centred` → `-ter`, `-bers`, `-ger`, `-tered`.
fn tre(word: &str) -> Option<String> {
    const NOT: &[&str] = &[
        "autre", "contre", "entre", "macabre", "maitre", "metre", "metres", "notre", "ogre",
        "ogres", "outre", "quatre", "timbre", "timbres", "votre",
    ];
    if word.len() < 5 || !matches!(word.as_bytes()[word.len() - 1], b'e' | b's' | b'd' | b'g') {
        return None;
    }
    if NOT.contains(&word) {
        return None;
    }
    for (uk, us) in [
        ("tres", "ters"),
        ("tre", "ter"),
        ("bres", "bers"),
        ("bre", "ber"),
        ("gres", "gers"),
        ("gre", "ger"),
    ] {
        if let Some(stem) = word.strip_suffix(uk) {
            return Some(format!("{stem}{us}"));
        }
    }
    // Inflections of `-tre` verbs: `centred`, `centring` (not `hatred`, `string`).
    if let Some(stem) = word.strip_suffix("tred")
        && word != "hatred"
    {
        return Some(format!("{stem}tered"));
    }
    word.strip_suffix("tring")
        .filter(|_| !word.ends_with("string"))
        .map(|stem| format!("{stem}tering"))
}

/// `-ise` verbs and their forms → `-ize` (`organisation` → `organization`). Words ending in
/// `-ise` that have no `-ize` form are listed, and so are words that end like them
/// (`imprecise`, `compromise`), and words ending in `wise`, `vise`, `aise`, `oise`, `uise`,
/// `prise` or `franchise` (`surprise`, `enterprise`; no `-ize` verb ends so).
fn ise(word: &str) -> Option<String> {
    const TAILS: &[&str] = &[
        "e", "es", "ed", "ing", "er", "ers", "ation", "ations", "ational", "able",
    ];
    const NOT: &[&str] = &[
        "advertise",
        "cerise",
        "chastise",
        "chemise",
        "circumcise",
        "compromise",
        "concise",
        "demise",
        "despise",
        "excise",
        "exercise",
        "expertise",
        "franchise",
        "incise",
        "merchandise",
        "mortise",
        "paradise",
        "precise",
        "premise",
        "promise",
        "surmise",
        "treatise",
        "sunrise",
        "moonrise",
        "valise",
    ];
    let (stem, tail) = split(word, "is", TAILS)?;
    let base = format!("{stem}ise");
    let exempt = stem.len() < 3
        || NOT
            .iter()
            .chain(&["wise", "vise", "aise", "oise", "uise", "prise", "franchise"])
            .any(|end| base.ends_with(end));
    (!exempt).then(|| format!("{stem}iz{tail}"))
}

/// `analyse`, `paralysed`, `catalysing` → `-yze`. (`analyses` stays: it is also the plural of
/// `analysis`.)
fn yse(word: &str) -> Option<String> {
    let (stem, tail) = split(word, "ys", &["e", "ed", "ing", "er", "ers"])?;
    (stem.len() >= 3).then(|| format!("{stem}yz{tail}"))
}

/// `analogue`, `catalogued`, `dialogues` → `-og` (not `vogue`, `rogue`, `synagogue`).
fn ogue(word: &str) -> Option<String> {
    const NOT: &[&str] = &["br", "demag", "pedag", "pir", "r", "synag", "v"];
    let (stem, tail) = match word.strip_suffix("oguing") {
        Some(stem) => (stem, "ing"),
        None => {
            let (stem, tail) = split(word, "ogue", &["", "s", "d"])?;
            (stem, if tail == "d" { "ed" } else { tail })
        }
    };
    (!NOT.contains(&stem)).then(|| format!("{stem}og{tail}"))
}

/// `travelled`, `labelling`, `counsellor`, `marvellous` → one `l`, for words whose last
/// syllable is unstressed (British English doubles the `l`, American does not; `controlled`,
/// `compelled`, `called` double it in both).
fn double_l(word: &str) -> Option<String> {
    const BASES: &[&str] = &[
        "barrel", "bevel", "cancel", "channel", "chisel", "counsel", "cudgel", "dial", "dishevel",
        "drivel", "duel", "enamel", "equal", "fuel", "funnel", "gravel", "grovel", "initial",
        "jewel", "kennel", "label", "level", "libel", "marvel", "medal", "model", "panel", "pedal",
        "pencil", "pummel", "quarrel", "ravel", "refuel", "remodel", "revel", "rival", "shovel",
        "signal", "snorkel", "spiral", "swivel", "total", "towel", "travel", "trowel", "tunnel",
        "unravel", "yodel",
    ];
    const TAILS: &[&str] = &[
        "ed", "ing", "er", "ers", "or", "ors", "ous", "ously", "ist", "ists",
    ];
    let (stem, tail) = split(word, "l", TAILS)?;
    BASES.contains(&stem).then(|| format!("{stem}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &str) -> impl Iterator<Item = Vec<&str>> {
        data.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split('\t').map(str::trim).collect())
    }

    #[test]
    fn irregular_table_is_sorted_for_binary_search() {
        assert!(IRREGULAR.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn variant_pairs_meet() {
        let data = include_str!("../../tests/data/spelling/variants.tsv");
        let mut failures = Vec::new();
        let mut n = 0;
        for row in rows(data) {
            let [uk, us] = row[..] else {
                panic!("bad row {row:?}")
            };
            n += 1;
            if americanize(uk) != us || americanize(us) != us {
                failures.push(format!("{uk} -> {} (want {us})", americanize(uk)));
            }
        }
        assert!(n >= 150, "only {n} pairs");
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn lookalikes_stay_apart() {
        let data = include_str!("../../tests/data/spelling/lookalikes.tsv");
        let mut failures = Vec::new();
        let mut n = 0;
        for row in rows(data) {
            n += 1;
            let word = row[0];
            if americanize(word) != word {
                failures.push(format!("{word} -> {}", americanize(word)));
            }
            if let Some(other) = row.get(1)
                && crate::analysis::terms(word) == crate::analysis::terms(other)
            {
                failures.push(format!("{word} meets {other}"));
            }
        }
        assert!(n >= 100, "only {n} look-alikes");
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn short_and_non_ascii_words_are_left_alone() {
        assert_eq!(americanize("our"), "our");
        assert_eq!(americanize("æsthetic"), "æsthetic");
    }
}
