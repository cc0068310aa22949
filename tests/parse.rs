//! The parser on whole pages: the exact records of the material and of our own pages.

use medsearch::parse::{Citation, Format, RecordKind, Reference, parse_document};

use crate::util::{MATERIAL, fixture, repo};

/// (kind, heading, anchor, line) of every record.
fn outline(dir: &std::path::Path, name: &str) -> Vec<(RecordKind, String, String, usize)> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = parse_document(name, Format::of(&path).unwrap(), &text).unwrap();
    doc.records
        .into_iter()
        .map(|r| (r.kind, r.heading, r.anchor, r.line))
        .collect()
}

#[track_caller]
fn assert_outline(dir: &std::path::Path, name: &str, expected: &[(RecordKind, &str, &str, usize)]) {
    let actual = outline(dir, name);
    let expected: Vec<_> = expected
        .iter()
        .map(|(k, h, a, l)| (*k, h.to_string(), a.to_string(), *l))
        .collect();
    assert_eq!(actual, expected);
}

use RecordKind::{Reference as R, Reviewer as P, Section as S};

#[test]
fn material_records() {
    assert_outline(
        &repo().join("corpus"),
        MATERIAL,
        &[
            (
                S,
                "Liver-directed therapy for neuroendocrine cancer",
                "liver-directed-therapy-for-neuroendocrine-cancer",
                1,
            ),
            (
                S,
                "Types of liver-directed therapy",
                "types-of-liver-directed-therapy",
                15,
            ),
            (
                S,
                "Hepatic arterial embolization",
                "hepatic-arterial-embolization",
                19,
            ),
            (
                S,
                "Radiofrequency ablation (RFA)",
                "radiofrequency-ablation-rfa",
                40,
            ),
            (
                S,
                "Side effects of liver-directed therapy",
                "side-effects-of-liver-directed-therapy",
                48,
            ),
            (
                S,
                "Expert review and references",
                "expert-review-and-references",
                56,
            ),
            (P, "Shereen Ezzat", "reviewer-1", 58),
            (
                R,
                "Radiofrequency Ablation and Microwave Ablation",
                "ref-1",
                59,
            ),
            (
                R,
                "Neuroendocrine Tumours: Reference Guide for Patients and Families (Version 3)",
                "ref-2",
                60,
            ),
            (
                R,
                "Hepatic Artery Embolisation for Neuroendocrine Tumours (NETs)",
                "ref-3",
                61,
            ),
            (R, "Neuroendocrine Tumours (NETs)", "ref-4", 62),
            (
                R,
                "NCCN Clinical Practice Guidelines in Oncology: Neuroendocrine and Adrenal Tumors Version 2.2024",
                "ref-5",
                63,
            ),
            (
                R,
                "NCCN Guidelines for Patients: Neuroendorine Tumours",
                "ref-6",
                64,
            ),
            (R, "Neuroendocrine Tumour Liver Metastases", "ref-7", 65),
            (
                R,
                "Gastrointestinal Neuroendocrine Tumors Treatment (PDQ®) – Health Professional Version",
                "ref-8",
                66,
            ),
            (
                R,
                "Pancreatic Neuroendocrine Tumors (Islet Cell Tumors) Treatment (PDQ®) – Health Professional Version",
                "ref-9",
                67,
            ),
            (
                R,
                "Diagnosis and management of gastrointestinal neuroendocrine tumors: an evidence-based Canadian consensus",
                "ref-10",
                68,
            ),
            (
                R,
                "A comprehensive review on neuroendocrine neoplasms: presentation, pathophysiology and management",
                "ref-11",
                69,
            ),
            (
                S,
                "Your trusted source for accurate cancer information",
                "your-trusted-source-for-accurate-cancer-information",
                71,
            ),
            (S, "Medical disclaimer", "medical-disclaimer", 79),
        ],
    );
}

#[test]
fn material_metadata_breadcrumbs_and_bodies() {
    let text = std::fs::read_to_string(repo().join("corpus").join(MATERIAL)).unwrap();
    let doc = parse_document(MATERIAL, Format::Text, &text).unwrap();
    assert_eq!(doc.id, "liver-directed-therapy-for-neuroendocrine-cancer");
    assert_eq!(
        doc.metadata,
        vec![("Last medical review".to_string(), String::new())]
    );
    let lead = &doc.records[0];
    assert!(lead.breadcrumbs.is_empty());
    assert!(lead.body.starts_with("If neuroendocrine cancer spreads"));
    assert!(
        lead.body
            .ends_with("• treat tumours that are close to major blood vessels in the liver")
    );
    for r in &doc.records[1..] {
        let expected = if r.kind == RecordKind::Section { 1 } else { 2 };
        assert_eq!(r.breadcrumbs.len(), expected, "{}", r.anchor);
        assert_eq!(r.breadcrumbs[0], doc.title);
    }
    // The footer's contact line is not a heading: it ends the disclaimer section.
    let last = doc.records.last().unwrap();
    assert!(
        last.body
            .ends_with("1-888-939-3333 | cancer.ca | © 2025 Canadian Cancer Society")
    );
    // The references section keeps no list items in its own body.
    assert_eq!(doc.records[5].body, "");
}

fn reference(
    org: Option<&str>,
    authors: Option<&str>,
    title: &str,
    source: Option<&str>,
    year: u16,
    url: Option<&str>,
) -> Reference {
    Reference {
        authors: authors.map(str::to_string),
        organization: org.map(str::to_string),
        title: Some(title.to_string()),
        source: source.map(str::to_string),
        year: Some(year),
        url: url.map(str::to_string),
        text: String::new(),
    }
}

#[test]
fn material_reference_fields() {
    let text = std::fs::read_to_string(repo().join("corpus").join(MATERIAL)).unwrap();
    let doc = parse_document(MATERIAL, Format::Text, &text).unwrap();
    let citations: Vec<Citation> = doc
        .records
        .iter()
        .filter_map(|r| r.citation.clone())
        .collect();
    let Citation::Reviewer(reviewer) = &citations[0] else {
        panic!("first item is the reviewer")
    };
    assert_eq!(reviewer.name, "Shereen Ezzat");
    assert_eq!(reviewer.credentials, ["MD", "FRCPC", "FACP"]);
    let nccn = Some("National Comprehensive Cancer Network");
    let pdq = Some("PDQ Adult Treatment Editorial Board");
    let nci = Some("Bethesda, MD: National Cancer Institute");
    let expected = [
        reference(
            Some("Cancer Research UK"),
            None,
            "Radiofrequency Ablation and Microwave Ablation",
            None,
            2021,
            Some("https://www.cancerresearchuk.org/"),
        ),
        reference(
            Some("Canadian Neuroendocrine Tumour Society (CNETS)"),
            None,
            "Neuroendocrine Tumours: Reference Guide for Patients and Families (Version 3)",
            None,
            2020,
            Some("https://cnets.ca/"),
        ),
        reference(
            Some("Macmillan Cancer Support"),
            None,
            "Hepatic Artery Embolisation for Neuroendocrine Tumours (NETs)",
            None,
            2024,
            Some("https://www.macmillan.org.uk/"),
        ),
        reference(
            Some("Macmillan Cancer Support"),
            None,
            "Neuroendocrine Tumours (NETs)",
            None,
            2022,
            Some("https://www.macmillan.org.uk/"),
        ),
        reference(
            nccn,
            None,
            "NCCN Clinical Practice Guidelines in Oncology: Neuroendocrine and Adrenal Tumors Version 2.2024",
            None,
            2024,
            None,
        ),
        reference(
            nccn,
            None,
            "NCCN Guidelines for Patients: Neuroendorine Tumours",
            None,
            2022,
            None,
        ),
        reference(
            Some("Neuroendocrine Cancer Australia"),
            None,
            "Neuroendocrine Tumour Liver Metastases",
            None,
            2024,
            Some("https://neuroendocrine.org.au/"),
        ),
        reference(
            pdq,
            None,
            "Gastrointestinal Neuroendocrine Tumors Treatment (PDQ®) – Health Professional Version",
            nci,
            2024,
            Some("https://www.cancer.gov/"),
        ),
        reference(
            pdq,
            None,
            "Pancreatic Neuroendocrine Tumors (Islet Cell Tumors) Treatment (PDQ®) – Health Professional Version",
            nci,
            2024,
            Some("https://www.cancer.gov/"),
        ),
        reference(
            None,
            Some("Singh S, Asa SL, Dey C, et al"),
            "Diagnosis and management of gastrointestinal neuroendocrine tumors: an evidence-based Canadian consensus",
            Some("Cancer Treatment Reviews"),
            2016,
            Some("https://cnets.ca/"),
        ),
        reference(
            None,
            Some("Sultana Q, Kar J, Verma A, et al"),
            "A comprehensive review on neuroendocrine neoplasms: presentation, pathophysiology and management",
            Some("Journal of Clinical Medicine"),
            2023,
            None,
        ),
    ];
    assert_eq!(citations.len(), 1 + expected.len());
    for (citation, mut want) in citations[1..].iter().zip(expected) {
        let Citation::Reference(got) = citation else {
            panic!("{citation:?} is not a reference")
        };
        assert!(text.contains(&got.text), "full text kept: {}", got.text);
        want.text = got.text.clone();
        assert_eq!(got, &want);
    }
}

#[test]
fn page_with_question_headings_repeated_headings_and_sources() {
    assert_outline(
        &fixture("pages"),
        "stem-cell-transplant.txt",
        &[
            (
                S,
                "Stem cell transplant for leukemia",
                "stem-cell-transplant-for-leukemia",
                1,
            ),
            (
                S,
                "How does a stem cell transplant work?",
                "how-does-a-stem-cell-transplant-work",
                8,
            ),
            (S, "Autologous transplant", "autologous-transplant", 14),
            (S, "Side effects", "side-effects", 18),
            (S, "Allogeneic transplant", "allogeneic-transplant", 26),
            (S, "Side effects", "side-effects-1", 30),
            (
                S,
                "What questions should I ask my healthcare team?",
                "what-questions-should-i-ask-my-healthcare-team",
                37,
            ),
            (S, "Sources", "sources", 41),
            (P, "Maria de la Cruz", "reviewer-1", 43),
            (
                R,
                "Outcomes after allogeneic transplant in adults with acute leukemia",
                "ref-1",
                44,
            ),
            (R, "Understanding Stem Cell Transplants", "ref-2", 45),
            (
                R,
                "Patient Handbook for Transplant Recipients (Edition 4)",
                "ref-3",
                46,
            ),
            (S, "Contact us", "contact-us", 48),
        ],
    );
}

#[test]
fn page_without_references() {
    assert_outline(
        &fixture("pages"),
        "healthy-eating-during-treatment.txt",
        &[
            (
                S,
                "Healthy eating during cancer treatment",
                "healthy-eating-during-cancer-treatment",
                1,
            ),
            (
                S,
                "Why does nutrition matter?",
                "why-does-nutrition-matter",
                5,
            ),
            (S, "Foods to choose", "foods-to-choose", 9),
            (
                S,
                "What if I don't feel like eating?",
                "what-if-i-don-t-feel-like-eating",
                16,
            ),
            (S, "Tips from dietitians", "tips-from-dietitians", 20),
        ],
    );
}

#[test]
fn markdown_page_with_hierarchy() {
    assert_outline(
        &fixture("pages"),
        "radiation-therapy.md",
        &[
            (S, "Radiation therapy", "radiation-therapy", 1),
            (
                S,
                "How does radiation therapy work?",
                "how-does-radiation-therapy-work",
                7,
            ),
            (
                S,
                "Types of radiation therapy",
                "types-of-radiation-therapy",
                11,
            ),
            (
                S,
                "External beam radiation therapy (EBRT)",
                "external-beam-radiation-therapy-ebrt",
                13,
            ),
            (S, "Side effects", "side-effects", 17),
            (S, "Brachytherapy", "brachytherapy", 22),
            (S, "Side effects", "side-effects-1", 26),
            (S, "References", "references", 34),
            (P, "Jane Q. Doe", "reviewer-1", 36),
            (R, "Radiation Therapy and You", "ref-1", 37),
        ],
    );
    let path = fixture("pages").join("radiation-therapy.md");
    let doc = parse_document(
        "radiation-therapy.md",
        Format::Markdown,
        &std::fs::read_to_string(path).unwrap(),
    )
    .unwrap();
    let brachy_effects = &doc.records[6];
    assert_eq!(
        brachy_effects.breadcrumbs,
        [
            "Radiation therapy",
            "Types of radiation therapy",
            "Brachytherapy"
        ]
    );
    assert!(
        brachy_effects
            .body
            .contains("# This line is in a code block")
    );
}

#[test]
fn markdown_headings_get_githubs_ids_and_records_hold_the_text_a_reader_sees() {
    assert_outline(
        &fixture("markdown"),
        "living-well.md",
        &[
            (
                S,
                "Living well after treatment",
                "living-well-after-treatment",
                2,
            ),
            (S, "🎉 Good news first", "-good-news-first", 9),
            (S, "What's \"normal\"? (FAQ)", "whats-normal-faq", 13),
            (
                S,
                "Side effects of CAR-T therapy",
                "side-effects-of-car-t-therapy",
                17,
            ),
            (
                S,
                "Side effects of CAR-T therapy",
                "side-effects-of-car-t-therapy-1",
                22,
            ),
            (S, "Ernährung & Bewegung", "ernährung--bewegung", 26),
            (S, "副作用", "副作用", 30),
            (S, "Staying active", "staying-active", 34),
            (
                S,
                "Side effects of CAR-T therapy",
                "side-effects-of-car-t-therapy-2",
                43,
            ),
        ],
    );
    let text = std::fs::read_to_string(fixture("markdown").join("living-well.md")).unwrap();
    let doc = parse_document("living-well.md", Format::Markdown, &text).unwrap();
    assert_eq!(
        doc.metadata,
        [("updated".to_string(), "2025-03-01".to_string())]
    );
    let bodies: Vec<&str> = doc.records.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies[0],
        "Life after cancer treatment brings new questions. Read our guide to follow-up care\nand the FAQ below."
    );
    assert_eq!(bodies[2], "Tiredness, called fatigue, can last for months.");
    assert_eq!(
        bodies[3],
        "- Cytokine release syndrome (CRS)\n- Headaches and icon confusion"
    );
    assert_eq!(bodies[7], "Activity | Minutes a week\n\nWalking | 150");
    for body in bodies {
        for markup in ["**", "](", "`", "<", "-->", "|---"] {
            assert!(!body.contains(markup), "{markup:?} in {body:?}");
        }
    }
    // Abbreviations are found in the visible text, at their lines.
    let definitions: Vec<(&str, &str, usize)> = doc
        .definitions
        .iter()
        .map(|d| (d.short.as_str(), d.long.as_str(), d.line))
        .collect();
    assert_eq!(definitions, [("CRS", "Cytokine release syndrome", 19)]);
}

#[test]
fn line_endings_do_not_change_records() {
    let text = std::fs::read_to_string(fixture("pages").join("stem-cell-transplant.txt")).unwrap();
    let unix = parse_document("p.txt", Format::Text, &text).unwrap();
    let crlf = parse_document(
        "p.txt",
        Format::Text,
        &format!("\u{feff}{}", text.replace('\n', "\r\n")),
    )
    .unwrap();
    assert_eq!(unix, crlf);
}
