use std::time::{Duration, Instant};

use super::*;

// ---- helpers -------------------------------------------------------------------------

fn text(s: &str) -> Inline {
    Inline::Text(s.to_owned())
}
fn bold(children: Vec<Inline>) -> Inline {
    Inline::Bold(children)
}
fn italic(children: Vec<Inline>) -> Inline {
    Inline::Italic(children)
}
fn strike(children: Vec<Inline>) -> Inline {
    Inline::Strike(children)
}
fn code(s: &str) -> Inline {
    Inline::Code(s.to_owned())
}
fn link(href: &str, children: Vec<Inline>) -> Inline {
    Inline::Link { href: href.to_owned(), children }
}
/// An autolink: shows the URL as typed.
fn auto(typed: &str, href: &str) -> Inline {
    link(href, vec![text(typed)])
}
const BR: Inline = Inline::LineBreak;
fn para(inlines: Vec<Inline>) -> Block {
    Block::Paragraph(inlines)
}
fn code_block(lang: Option<&str>, text: &str) -> Block {
    Block::Code { lang: lang.map(str::to_owned), text: text.to_owned() }
}

/// Parses `input` after checking the crate's invariants on it. Every test parses through
/// here, so the invariants (has_markup's property included) hold over all test inputs.
fn parsed(input: &str) -> Vec<Block> {
    check_invariants(input);
    parse(input)
}

/// The inlines of a text that must parse to exactly one paragraph.
fn inlines(input: &str) -> Vec<Inline> {
    match parsed(input).as_slice() {
        [Block::Paragraph(inlines)] => inlines.clone(),
        other => panic!("{input:?} should be one paragraph, got {other:?}"),
    }
}

/// A text that must come back as one unchanged Text node.
fn assert_literal(input: &str) {
    assert_eq!(inlines(input), vec![text(input)], "{input:?} should be plain text");
}

fn visit_inlines<'a>(inlines: &'a [Inline], depth: usize, f: &mut impl FnMut(&'a Inline, usize)) {
    for inline in inlines {
        f(inline, depth);
        if let Inline::Bold(c) | Inline::Italic(c) | Inline::Strike(c) | Inline::Link { children: c, .. } =
            inline
        {
            visit_inlines(c, depth + 1, f);
        }
    }
}

fn visit_blocks<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Inline, usize)) {
    for block in blocks {
        match block {
            Block::Paragraph(inlines) => visit_inlines(inlines, 0, f),
            Block::Quote(blocks) => visit_blocks(blocks, f),
            Block::Code { .. } => {}
        }
    }
}

fn is_container(inline: &Inline) -> bool {
    matches!(inline, Inline::Bold(_) | Inline::Italic(_) | Inline::Strike(_) | Inline::Link { .. })
}

/// The most Bold/Italic/Strike/Link nodes on one path from a paragraph down.
fn nesting(blocks: &[Block]) -> usize {
    let mut max = 0;
    visit_blocks(blocks, &mut |inline, depth| {
        if is_container(inline) {
            max = max.max(depth + 1);
        }
    });
    max
}

fn hrefs(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    visit_blocks(blocks, &mut |inline, _| {
        if let Inline::Link { href, .. } = inline {
            out.push(href.clone());
        }
    });
    out
}

fn is_safe_href(href: &str) -> bool {
    let scheme_ok = ["http://", "https://", "mailto:"].iter().any(|s| href.starts_with(s));
    let chars_ok = !href.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '`' | '\\' | '\u{200b}' | '\u{202e}')
    });
    scheme_ok && chars_ok && href.len() > "mailto:".len()
}

/// What every parse must satisfy, whatever the input.
fn check_invariants(input: &str) {
    let blocks = parse(input);

    // Tree shape: hrefs safe, depth capped, no nested links, text merged and non-empty.
    assert!(nesting(&blocks) <= MAX_DEPTH, "{input:?}: nested deeper than the cap");
    visit_blocks(&blocks, &mut |inline, _| match inline {
        Inline::Link { href, children } => {
            assert!(is_safe_href(href), "{input:?}: unsafe href {href:?}");
            assert!(!children.is_empty(), "{input:?}: empty link");
            visit_inlines(children, 0, &mut |inner, _| {
                assert!(!matches!(inner, Inline::Link { .. }), "{input:?}: link inside a link");
            });
        }
        Inline::Text(t) => assert!(!t.is_empty(), "{input:?}: empty text node"),
        Inline::Bold(c) | Inline::Italic(c) | Inline::Strike(c) => {
            assert!(!c.is_empty(), "{input:?}: empty emphasis")
        }
        _ => {}
    });
    let mut all_inline_lists = Vec::new();
    fn collect<'a>(blocks: &'a [Block], out: &mut Vec<&'a [Inline]>) {
        for block in blocks {
            match block {
                Block::Paragraph(i) => out.push(i),
                Block::Quote(b) => {
                    assert!(!b.is_empty(), "empty quote");
                    assert!(!b.iter().any(|b| matches!(b, Block::Quote(_))), "nested quote");
                    collect(b, out)
                }
                Block::Code { lang, .. } => {
                    assert!(lang.as_deref().is_none_or(|l| !l.is_empty() && !l.contains('<')))
                }
            }
        }
    }
    collect(&blocks, &mut all_inline_lists);
    for list in &all_inline_lists {
        assert!(!list.is_empty(), "{input:?}: empty paragraph");
    }
    let mut lists: Vec<&[Inline]> = all_inline_lists.clone();
    visit_blocks(&blocks, &mut |inline, _| {
        if let Inline::Bold(c) | Inline::Italic(c) | Inline::Strike(c) | Inline::Link { children: c, .. } =
            inline
        {
            lists.push(c);
        }
    });
    for list in lists {
        for pair in list.windows(2) {
            assert!(
                !matches!(pair, [Inline::Text(_), Inline::Text(_)]),
                "{input:?}: adjacent text nodes in {list:?}"
            );
        }
    }

    // plain() is the tree's text, and every `<` survives only as text (not in an href).
    let plain_text = plain(input);
    assert_eq!(
        plain_text.matches('<').count(),
        input.matches('<').count(),
        "{input:?}: a '<' was lost or moved out of text"
    );

    // has_markup has no false negatives: when false, the text is one plain paragraph.
    if !has_markup(input) {
        if is_blank(input) {
            assert!(blocks.is_empty(), "{input:?}: blank text gave blocks");
        } else {
            let [Block::Paragraph(inlines)] = blocks.as_slice() else {
                panic!("has_markup({input:?}) is false but it parses to {blocks:?}");
            };
            let mut spelled = String::new();
            for inline in inlines {
                match inline {
                    Inline::Text(t) => spelled.push_str(t),
                    Inline::LineBreak => spelled.push('\n'),
                    other => panic!("has_markup({input:?}) is false but it has {other:?}"),
                }
            }
            assert_eq!(spelled, input, "has_markup({input:?}) is false but the text changed");
            assert_eq!(plain_text, input);
        }
    }
}

// ---- paragraphs and line breaks ----------------------------------------------------------

#[test]
fn empty_and_blank_text_give_no_blocks() {
    assert_eq!(parsed(""), vec![]);
    assert_eq!(parsed("   "), vec![]);
    assert_eq!(parsed("\n\n \t\n"), vec![]);
}

#[test]
fn plain_text_is_one_text_node() {
    assert_literal("hello");
    assert_literal("a * b");
    assert_literal("  leading and trailing spaces  ");
    assert_eq!(parsed("hello"), vec![para(vec![text("hello")])]);
}

#[test]
fn newlines_are_line_breaks_and_blank_lines_split_paragraphs() {
    assert_eq!(inlines("one\ntwo\nthree"), vec![text("one"), BR, text("two"), BR, text("three")]);
    assert_eq!(parsed("one\n\ntwo"), vec![para(vec![text("one")]), para(vec![text("two")])]);
    // A line of whitespace is blank too; several blank lines are one separator.
    assert_eq!(parsed("one\n  \t\n\n\ntwo"), vec![para(vec![text("one")]), para(vec![text("two")])]);
}

#[test]
fn leading_and_trailing_blank_lines_make_no_empty_paragraphs() {
    assert_eq!(parsed("\n\n  hi\n\n\n"), vec![para(vec![text("  hi")])]);
}

#[test]
fn crlf_and_lone_cr_are_newlines() {
    assert_eq!(inlines("a\r\nb\rc"), vec![text("a"), BR, text("b"), BR, text("c")]);
    assert_eq!(parsed("a\r\n\r\nb"), vec![para(vec![text("a")]), para(vec![text("b")])]);
    assert_eq!(parsed("```\r\ncode\r\n```"), vec![code_block(None, "code")]);
}

#[test]
fn things_that_are_not_in_the_subset_stay_text() {
    assert_literal("# not a heading");
    assert_literal("## also not");
    assert_eq!(
        inlines("- item\n* item\n1. item"),
        vec![text("- item"), BR, text("* item"), BR, text("1. item")]
    );
    assert_literal("| a | b |");
    assert_literal("<b>not bold</b>");
    assert_literal("![image](https:x)");
    assert_literal("[ref]: not-a-reference");
    assert_eq!(inlines("Setext?\n==="), vec![text("Setext?"), BR, text("===")]);
    assert_literal("&amp; &lt; entities stay as typed");
    assert_literal("    indented code is just text");
}

// ---- emphasis ------------------------------------------------------------------------------

#[test]
fn bold_italic_strike() {
    assert_eq!(inlines("**bold**"), vec![bold(vec![text("bold")])]);
    assert_eq!(inlines("__bold__"), vec![bold(vec![text("bold")])]);
    assert_eq!(inlines("*italic*"), vec![italic(vec![text("italic")])]);
    assert_eq!(inlines("_italic_"), vec![italic(vec![text("italic")])]);
    assert_eq!(inlines("~~gone~~"), vec![strike(vec![text("gone")])]);
    assert_eq!(
        inlines("a **b** c *d* e ~~f~~ g"),
        vec![
            text("a "),
            bold(vec![text("b")]),
            text(" c "),
            italic(vec![text("d")]),
            text(" e "),
            strike(vec![text("f")]),
            text(" g")
        ]
    );
}

#[test]
fn flanking_spaces_keep_markers_literal() {
    assert_literal("a * b");
    assert_literal("2 * 3 * 4");
    assert_literal("** not bold **");
    assert_literal("* not italic *");
    assert_literal("_ not italic _");
    assert_literal("~~ not struck ~~");
    assert_eq!(inlines("**a **"), vec![text("**a **")]);
}

#[test]
fn underscores_inside_words_are_not_emphasis() {
    assert_literal("snake_case_name");
    assert_literal("call my_function_name() now");
    assert_literal("2_000_000");
    assert_literal("_private_var");
    assert_literal("CONST_A_B");
    assert_literal("привет_мир_да");
    // But `*` may emphasise inside a word, as in CommonMark.
    assert_eq!(
        inlines("un*frigging*believable"),
        vec![text("un"), italic(vec![text("frigging")]), text("believable")]
    );
    // And `_` emphasis around a word still works next to punctuation.
    assert_eq!(inlines("(_see_)"), vec![text("("), italic(vec![text("see")]), text(")")]);
}

#[test]
fn unmatched_delimiters_stay_literal() {
    assert_literal("**unclosed");
    assert_literal("unopened**");
    assert_literal("*a");
    assert_literal("__init");
    assert_literal("~~half");
    assert_literal("~5 minutes~ish");
    assert_literal("~one~");
    assert_literal("~~~three~~~");
    assert_literal("****");
    assert_literal("*");
    assert_literal("_");
}

#[test]
fn mismatched_lengths_leave_the_extra_marker_as_text() {
    assert_eq!(inlines("**a*"), vec![text("*"), italic(vec![text("a")])]);
    assert_eq!(inlines("*a**"), vec![italic(vec![text("a")]), text("*")]);
    assert_eq!(inlines("__a_"), vec![text("_"), italic(vec![text("a")])]);
}

#[test]
fn triple_markers_are_bold_and_italic() {
    assert_eq!(inlines("***both***"), vec![italic(vec![bold(vec![text("both")])])]);
    assert_eq!(inlines("___both___"), vec![italic(vec![bold(vec![text("both")])])]);
    assert_eq!(inlines("***a** b*"), vec![italic(vec![bold(vec![text("a")]), text(" b")])]);
    assert_eq!(inlines("***a* b**"), vec![bold(vec![italic(vec![text("a")]), text(" b")])]);
}

#[test]
fn emphasis_nests() {
    assert_eq!(inlines("*a **b** c*"), vec![italic(vec![text("a "), bold(vec![text("b")]), text(" c")])]);
    assert_eq!(inlines("**a _b_ c**"), vec![bold(vec![text("a "), italic(vec![text("b")]), text(" c")])]);
    assert_eq!(inlines("~~**x**~~"), vec![strike(vec![bold(vec![text("x")])])]);
    assert_eq!(inlines("_**~~x~~**_"), vec![italic(vec![bold(vec![strike(vec![text("x")])])])]);
}

#[test]
fn intraword_runs_follow_the_rule_of_three() {
    assert_eq!(
        inlines("*foo**bar**baz*"),
        vec![italic(vec![text("foo"), bold(vec![text("bar")]), text("baz")])]
    );
    assert_eq!(
        inlines("**foo*bar*baz**"),
        vec![bold(vec![text("foo"), italic(vec![text("bar")]), text("baz")])]
    );
    assert_eq!(inlines("**foo**bar"), vec![bold(vec![text("foo")]), text("bar")]);
}

#[test]
fn crossing_emphasis_does_not_nest_improperly() {
    // The first closer wins; the other opener inside it is text.
    assert_eq!(inlines("*a _b* c_"), vec![italic(vec![text("a _b")]), text(" c_")]);
    assert_eq!(inlines("**a ~~b** c~~"), vec![bold(vec![text("a ~~b")]), text(" c~~")]);
}

#[test]
fn emphasis_spans_line_breaks_but_not_blank_lines() {
    assert_eq!(inlines("**one\ntwo**"), vec![bold(vec![text("one"), BR, text("two")])]);
    assert_eq!(inlines("_a\nb\nc_"), vec![italic(vec![text("a"), BR, text("b"), BR, text("c")])]);
    assert_eq!(parsed("**one\n\ntwo**"), vec![para(vec![text("**one")]), para(vec![text("two**")])]);
}

#[test]
fn nesting_is_capped() {
    // Deeper than the cap: the outer levels nest, the inner markers are text.
    let deep = format!("{}x{}", "**a ".repeat(20), " a**".repeat(20));
    let blocks = parsed(&deep);
    assert_eq!(nesting(&blocks), MAX_DEPTH);
    assert_eq!(plain(&deep).matches("**").count(), 2 * (20 - MAX_DEPTH));
    // A link one level too deep is text, an autolink too.
    let deep_link = format!("{}[x](https://x.org) https://y.org{}", "*a ".repeat(8), " a*".repeat(8));
    let blocks = parsed(&deep_link);
    assert!(hrefs(&blocks).is_empty());
    assert!(plain(&deep_link).contains("[x](https://x.org) https://y.org"));
}

// ---- code ----------------------------------------------------------------------------------

#[test]
fn inline_code() {
    assert_eq!(inlines("use `cargo test` now"), vec![text("use "), code("cargo test"), text(" now")]);
    assert_eq!(inlines("``co`de``"), vec![code("co`de")]);
    assert_eq!(inlines("`` `tick` ``"), vec![code("`tick`")]);
    assert_eq!(inlines("```inline```"), vec![code("inline")]);
    assert_eq!(inlines("` `"), vec![code(" ")]);
    // Backslashes are literal inside code.
    assert_eq!(inlines(r"`a\`"), vec![code(r"a\")]);
}

#[test]
fn code_spans_protect_their_contents() {
    assert_eq!(inlines("`*not italic*`"), vec![code("*not italic*")]);
    assert_eq!(inlines("`https://x.org`"), vec![code("https://x.org")]);
    assert_eq!(inlines("`[a](https://x.org)`"), vec![code("[a](https://x.org)")]);
    assert_eq!(inlines("`<script>`"), vec![code("<script>")]);
    assert_eq!(inlines("*a `*` b*"), vec![italic(vec![text("a "), code("*"), text(" b")])]);
}

#[test]
fn unclosed_code_spans_are_text() {
    assert_literal("`unclosed");
    assert_literal("``not closed`");
    // Code spans do not cross lines.
    assert_eq!(inlines("`a\nb`"), vec![text("`a"), BR, text("b`")]);
}

#[test]
fn code_blocks() {
    assert_eq!(
        parsed("```rust\nfn main() {\n    println!(\"hi\");\n}\n```"),
        vec![code_block(Some("rust"), "fn main() {\n    println!(\"hi\");\n}")]
    );
    assert_eq!(parsed("```\nplain\n```"), vec![code_block(None, "plain")]);
    assert_eq!(parsed("```c++ \nx\n```"), vec![code_block(Some("c++"), "x")]);
    assert_eq!(parsed("```\n```"), vec![code_block(None, "")]);
    // Blank lines, indentation and trailing spaces are kept exactly.
    assert_eq!(parsed("```\n  a  \n\n\n\tb\n```"), vec![code_block(None, "  a  \n\n\n\tb")]);
}

#[test]
fn code_block_contents_are_literal() {
    assert_eq!(
        parsed("```\n**x** [a](https://x.org) https://y.org\n> not a quote\n<b>\n```"),
        vec![code_block(None, "**x** [a](https://x.org) https://y.org\n> not a quote\n<b>")]
    );
}

#[test]
fn unclosed_code_block_runs_to_the_end() {
    assert_eq!(parsed("```\na\n\nb"), vec![code_block(None, "a\n\nb")]);
    assert_eq!(parsed("```"), vec![code_block(None, "")]);
}

#[test]
fn code_on_the_fence_line() {
    // Slack style: the line after ``` is code if it is not a single language word.
    assert_eq!(parsed("```let x = 1;\nlet y = 2;\n```"), vec![code_block(None, "let x = 1;\nlet y = 2;")]);
}

#[test]
fn code_blocks_interrupt_paragraphs() {
    assert_eq!(
        parsed("before\n```\ncode\n```\nafter"),
        vec![para(vec![text("before")]), code_block(None, "code"), para(vec![text("after")])]
    );
    // A fence with text after it does not close the block.
    assert_eq!(parsed("```\na\n``` no\n```"), vec![code_block(None, "a\n``` no")]);
    // A closing fence may be indented or have trailing spaces.
    assert_eq!(parsed("```\na\n  ```  \nb"), vec![code_block(None, "a"), para(vec![text("b")])]);
}

// ---- links ---------------------------------------------------------------------------------

#[test]
fn links() {
    assert_eq!(
        inlines("[Natter](https://natter.example)"),
        vec![link("https://natter.example", vec![text("Natter")])]
    );
    assert_eq!(inlines("[a](http://x.org/p?q=1#f)"), vec![link("http://x.org/p?q=1#f", vec![text("a")])]);
    assert_eq!(inlines("[mail me](mailto:me@x.org)"), vec![link("mailto:me@x.org", vec![text("mail me")])]);
    assert_eq!(
        inlines("see [the docs](https://x.org)."),
        vec![text("see "), link("https://x.org", vec![text("the docs")]), text(".")]
    );
    // Spaces around the URL are fine.
    assert_eq!(inlines("[a]( https://x.org )"), vec![link("https://x.org", vec![text("a")])]);
}

#[test]
fn link_schemes_are_case_insensitive_and_normalised() {
    assert_eq!(inlines("[a](HTTPS://X.org)"), vec![link("https://X.org", vec![text("a")])]);
    assert_eq!(inlines("[a](Http://x.org)"), vec![link("http://x.org", vec![text("a")])]);
    assert_eq!(inlines("[a](MAILTO:me@x.org)"), vec![link("mailto:me@x.org", vec![text("a")])]);
}

#[test]
fn links_with_balanced_parentheses() {
    assert_eq!(
        inlines("[Rust](https://en.wikipedia.org/wiki/Rust_(programming_language))"),
        vec![link("https://en.wikipedia.org/wiki/Rust_(programming_language)", vec![text("Rust")])]
    );
}

#[test]
fn link_text_may_hold_emphasis_and_code_but_not_links() {
    assert_eq!(
        inlines("[**bold** `code`](https://x.org)"),
        vec![link("https://x.org", vec![bold(vec![text("bold")]), text(" "), code("code")])]
    );
    assert_eq!(
        inlines("[https://a.org](https://b.org)"),
        vec![link("https://b.org", vec![text("https://a.org")])]
    );
    // The inner link wins; the outer brackets are text (as in CommonMark).
    assert_eq!(
        inlines("[a [b](https://y.org)](https://x.org)"),
        vec![
            text("[a "),
            link("https://y.org", vec![text("b")]),
            text("]("),
            auto("https://x.org", "https://x.org"),
            text(")")
        ]
    );
}

#[test]
fn emphasis_does_not_cross_link_boundaries() {
    assert_eq!(
        inlines("*a [b* c](https://x.org)"),
        vec![text("*a "), link("https://x.org", vec![text("b* c")])]
    );
    assert_eq!(inlines("[*a](https://x.org)*"), vec![link("https://x.org", vec![text("*a")]), text("*")]);
    assert_eq!(inlines("**[a](https://x.org)**"), vec![bold(vec![link("https://x.org", vec![text("a")])])]);
}

#[test]
fn link_titles_are_not_supported() {
    // Decision: `[a](url "title")` is not a link; the bare URL in it is still autolinked.
    assert_eq!(
        inlines("[a](https://x.org \"title\")"),
        vec![text("[a]("), auto("https://x.org", "https://x.org"), text(" \"title\")")]
    );
}

#[test]
fn malformed_links_are_text() {
    assert_eq!(inlines("[a](https://x.org"), vec![text("[a]("), auto("https://x.org", "https://x.org")]);
    assert_eq!(
        inlines("[a] (https://x.org)"),
        vec![text("[a] ("), auto("https://x.org", "https://x.org"), text(")")]
    );
    assert_literal("[a](https://)");
    assert_literal("[a](mailto:)");
    assert_literal("[a](<https:x>)");
    assert_literal("[just brackets]");
    assert_literal("a]b[c");
    // No visible text, no link: it could not be seen or clicked.
    assert_eq!(
        inlines("[](https://x.org)"),
        vec![text("[]("), auto("https://x.org", "https://x.org"), text(")")]
    );
    assert_eq!(
        inlines("[ ](https://x.org)"),
        vec![text("[ ]("), auto("https://x.org", "https://x.org"), text(")")]
    );
}

#[test]
fn dangerous_link_schemes_are_text() {
    for input in [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,hi)",
        "[x](vbscript:msgbox)",
        "[x](file:///etc/passwd)",
        "[x](/relative)",
        "[x](../up)",
        "[x](//evil.example)",
        "[x](ftp://x.org)",
        "[x](https:x.org)",
        "[x](tel:123)",
    ] {
        assert_literal(input);
    }
}

// ---- autolinks -----------------------------------------------------------------------------

#[test]
fn bare_urls_are_links() {
    assert_eq!(inlines("https://x.org"), vec![auto("https://x.org", "https://x.org")]);
    assert_eq!(
        inlines("go to http://x.org/a?b=c&d=e#f now"),
        vec![text("go to "), auto("http://x.org/a?b=c&d=e#f", "http://x.org/a?b=c&d=e#f"), text(" now")]
    );
    assert_eq!(inlines("HTTPS://X.ORG"), vec![auto("HTTPS://X.ORG", "https://X.ORG")]);
    assert_eq!(inlines("https://例え.jp/パス"), vec![auto("https://例え.jp/パス", "https://例え.jp/パス")]);
}

#[test]
fn www_urls_get_https() {
    assert_eq!(
        inlines("see www.example.com/docs, then"),
        vec![text("see "), auto("www.example.com/docs", "https://www.example.com/docs"), text(", then")]
    );
    assert_literal("www.");
    assert_literal("wwww.x.org");
    assert_literal("WWW is the web");
}

#[test]
fn autolink_trailing_punctuation() {
    for (input, url) in [
        ("https://x.org.", "https://x.org"),
        ("https://x.org,", "https://x.org"),
        ("https://x.org:", "https://x.org"),
        ("https://x.org;", "https://x.org"),
        ("https://x.org!!!", "https://x.org"),
        ("https://x.org?", "https://x.org"),
        ("https://x.org'", "https://x.org"),
        ("https://x.org/a.b.", "https://x.org/a.b"),
        ("https://x.org/?q=1.", "https://x.org/?q=1"),
        ("https://x.org。", "https://x.org"),
    ] {
        let rest = &input[url.len()..];
        assert_eq!(inlines(input), vec![auto(url, url), text(rest)], "{input:?}");
    }
    assert_eq!(
        inlines("\"https://x.org\""),
        vec![text("\""), auto("https://x.org", "https://x.org"), text("\"")]
    );
}

#[test]
fn autolink_parentheses() {
    assert_eq!(
        inlines("see https://x.org/a_(b)."),
        vec![text("see "), auto("https://x.org/a_(b)", "https://x.org/a_(b)"), text(".")]
    );
    assert_eq!(
        inlines("(https://x.org)"),
        vec![text("("), auto("https://x.org", "https://x.org"), text(")")]
    );
    assert_eq!(
        inlines("(see https://x.org/a_(b))"),
        vec![text("(see "), auto("https://x.org/a_(b)", "https://x.org/a_(b)"), text(")")]
    );
    assert_eq!(inlines("https://x.org/a)b"), vec![auto("https://x.org/a)b", "https://x.org/a)b")]);
    assert_eq!(inlines("https://x.org))."), vec![auto("https://x.org", "https://x.org"), text(")).")]);
}

#[test]
fn autolinks_need_a_word_boundary_and_a_host() {
    assert_literal("xhttps://x.org");
    assert_literal("https://");
    assert_literal("https://.org");
    assert_literal("http://");
    assert_literal("say http to me");
    assert_eq!(inlines("ftp://a.org/https://x.org"), vec![text("ftp://a.org/https://x.org")]);
    assert_eq!(inlines("link:https://x.org"), vec![text("link:"), auto("https://x.org", "https://x.org")]);
}

#[test]
fn autolinks_with_emphasis_around_and_underscores_inside() {
    assert_eq!(inlines("**https://x.org**"), vec![bold(vec![auto("https://x.org", "https://x.org")])]);
    assert_eq!(
        inlines("_https://x.org/a_b_"),
        vec![italic(vec![auto("https://x.org/a_b", "https://x.org/a_b")])]
    );
    assert_eq!(
        inlines("https://x.org/snake_case_path"),
        vec![auto("https://x.org/snake_case_path", "https://x.org/snake_case_path")]
    );
}

#[test]
fn autolinks_stop_at_characters_that_cannot_be_in_urls() {
    assert_eq!(inlines("https://x.org/<b>"), vec![auto("https://x.org/", "https://x.org/"), text("<b>")]);
    assert_eq!(inlines("https://x.org/\"a"), vec![auto("https://x.org/", "https://x.org/"), text("\"a")]);
    assert_eq!(
        inlines("https://x.org/\u{202e}gnp.exe"),
        vec![auto("https://x.org/", "https://x.org/"), text("\u{202e}gnp.exe")]
    );
}

// ---- quotes --------------------------------------------------------------------------------

#[test]
fn quotes() {
    assert_eq!(parsed("> hello"), vec![Block::Quote(vec![para(vec![text("hello")])])]);
    assert_eq!(parsed("> a\n> b"), vec![Block::Quote(vec![para(vec![text("a"), BR, text("b")])])]);
    assert_eq!(parsed("> a\n>\n> b"), vec![Block::Quote(vec![para(vec![text("a")]), para(vec![text("b")])])]);
    assert_eq!(
        parsed("> **quoted** `code`"),
        vec![Block::Quote(vec![para(vec![bold(vec![text("quoted")]), text(" "), code("code")])])]
    );
}

#[test]
fn quotes_end_at_the_first_unquoted_line() {
    assert_eq!(
        parsed("> quoted\nreply"),
        vec![Block::Quote(vec![para(vec![text("quoted")])]), para(vec![text("reply")])]
    );
    assert_eq!(
        parsed("intro\n> quoted"),
        vec![para(vec![text("intro")]), Block::Quote(vec![para(vec![text("quoted")])])]
    );
    assert_eq!(
        parsed("> a\n\n> b"),
        vec![Block::Quote(vec![para(vec![text("a")])]), Block::Quote(vec![para(vec![text("b")])])]
    );
}

#[test]
fn nested_quote_markers_are_text() {
    assert_eq!(parsed("> > nested"), vec![Block::Quote(vec![para(vec![text("> nested")])])]);
}

#[test]
fn things_that_are_not_quotes() {
    assert_literal(">no space");
    assert_literal("> ");
    assert_literal("a > b");
    assert_literal(">_<");
    assert_eq!(inlines("\\> not a quote"), vec![text("> not a quote")]);
}

#[test]
fn code_blocks_inside_quotes() {
    assert_eq!(
        parsed("> ```rust\n> let x = 1;\n> ```\nafter"),
        vec![Block::Quote(vec![code_block(Some("rust"), "let x = 1;")]), para(vec![text("after")])]
    );
    // An unclosed block ends with the quote.
    assert_eq!(
        parsed("> ```\n> code\nnot code"),
        vec![Block::Quote(vec![code_block(None, "code")]), para(vec![text("not code")])]
    );
}

// ---- escapes -------------------------------------------------------------------------------

#[test]
fn backslash_escapes() {
    assert_eq!(inlines(r"\*not italic\*"), vec![text("*not italic*")]);
    assert_eq!(inlines(r"\_\_init\_\_"), vec![text("__init__")]);
    assert_eq!(inlines(r"\`not code\`"), vec![text("`not code`")]);
    assert_eq!(inlines(r"\~\~no\~\~"), vec![text("~~no~~")]);
    assert_eq!(inlines(r"\\"), vec![text(r"\")]);
    assert_eq!(inlines(r"\\*a*"), vec![text(r"\"), italic(vec![text("a")])]);
    assert_eq!(inlines(r"\[a\](b)"), vec![text("[a](b)")]);
    assert_eq!(
        inlines(r"[a]\(https://x.org\)"),
        vec![text("[a]("), auto("https://x.org", "https://x.org"), text(")")]
    );
    assert_eq!(inlines(r"\> x"), vec![text("> x")]);
}

#[test]
fn other_backslashes_are_literal() {
    assert_literal(r"C:\Users\me");
    assert_literal(r"a\b \n \#");
    assert_literal("trailing\\");
    assert_literal("\\é and \\😀");
}

// ---- Unicode -------------------------------------------------------------------------------

#[test]
fn scripts_and_emoji_pass_through_unchanged() {
    for input in [
        "你好，世界！这是一条消息。",
        "日本語のテキスト、カタカナ",
        "한국어 메시지",
        "Привет, мир! Как дела?",
        "שלום עולם",
        "مرحبا بالعالم",
        "\u{202b}mixed עברית and English\u{202c}",
        "👋🏽 hi 👨‍👩‍👧 family 🇳🇱",
        "e\u{301}\u{302} combining marks",
        "ｆｕｌｌｗｉｄｔｈ",
    ] {
        assert_literal(input);
        assert_eq!(plain(input), input);
    }
}

#[test]
fn markup_around_non_latin_text() {
    assert_eq!(inlines("**你好**"), vec![bold(vec![text("你好")])]);
    assert_eq!(inlines("_привет_ мир"), vec![italic(vec![text("привет")]), text(" мир")]);
    assert_eq!(inlines("~~😀~~"), vec![strike(vec![text("😀")])]);
    assert_eq!(inlines("[שלום](https://x.org)"), vec![link("https://x.org", vec![text("שלום")])]);
    assert_eq!(
        inlines("链接：https://x.org。"),
        vec![text("链接："), auto("https://x.org", "https://x.org"), text("。")]
    );
}

// ---- the XSS corpus ------------------------------------------------------------------------

#[test]
fn xss_corpus_produces_no_unsafe_href_and_keeps_markup_as_text() {
    let corpus = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](  JAVASCRIPT:alert(1)  )",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:image/svg+xml,<svg onload=alert(1)>)",
        "<a href=\"javascript:alert(1)\">click</a>",
        "\"><svg onload=alert(1)>",
        "'><script>alert(1)</script>",
        "[x](javascript&#58;alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](java\nscript:alert(1))",
        "[x](\u{0}javascript:alert(1))",
        "[x](\u{202e}javascript:alert(1))",
        "[x](java\u{200b}script:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](javascript://%0aalert(1))",
        "[x](https:javascript:alert(1))",
        "[x](https://x.org\"onmouseover=\"alert(1))",
        "[x](https://x.org/\"><script>alert(1)</script>)",
        "https://x.org/\"><script>alert(1)</script>",
        "www.x.org/<script>alert(1)</script>",
        "[<img src=x onerror=alert(1)>](https://x.org)",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "[x](mailto:a@x.org?subject=<script>)",
        "<style>@import 'javascript:alert(1)';</style>",
        "**<b onmouseover=alert(1)>bold</b>**",
        "`<script>alert(1)</script>`",
        "```html\n<script>alert(1)</script>\n```",
        "> <script>alert(1)</script>",
        "javascript:alert(1)",
        "[x](javascript:alert(1) \"https://x.org\")",
        "<<script>script>alert(1)<</script>/script>",
        "[x]\n(javascript:alert(1))",
    ];
    for input in corpus {
        let blocks = parsed(input); // includes: hrefs safe, every '<' kept as text
        for href in hrefs(&blocks) {
            let lower = href.to_lowercase();
            assert!(!lower.contains("script") && !lower.contains("data:"), "{input:?}: href {href:?}");
        }
    }
    // The markup-looking text is kept verbatim.
    assert_literal("<script>alert(1)</script>");
    assert_literal("<img src=x onerror=alert(1)>");
    assert_eq!(
        inlines("[<img src=x onerror=alert(1)>](https://x.org)"),
        vec![link("https://x.org", vec![text("<img src=x onerror=alert(1)>")])]
    );
    assert_eq!(parsed("```html\n<script>\n```"), vec![code_block(Some("html"), "<script>")]);
}

// ---- plain() -------------------------------------------------------------------------------

#[test]
fn plain_removes_markup() {
    assert_eq!(plain("**bold** and *it* and ~~gone~~"), "bold and it and gone");
    assert_eq!(plain("see [the docs](https://x.org) or https://y.org"), "see the docs or https://y.org");
    assert_eq!(plain("run `cargo test`"), "run cargo test");
    assert_eq!(plain(r"\*literal\*"), "*literal*");
    assert_eq!(plain("line one\nline two"), "line one\nline two");
    assert_eq!(plain("para one\n\npara two"), "para one\npara two");
    assert_eq!(plain("> quoted\nreply"), "quoted\nreply");
    assert_eq!(plain("look:\n```rust\nfn x() {}\n```\nok"), "look:\nfn x() {}\nok");
    assert_eq!(plain("**unclosed"), "**unclosed");
    assert_eq!(plain(""), "");
    assert_eq!(plain("\n\n"), "");
}

#[test]
fn plain_of_text_without_markers_is_the_text() {
    let mut rng = Rng(0x5eed);
    // No marker characters, no "h"/"w" (so no "http"/"www."), and no blank lines.
    let pieces = [
        "a",
        "B",
        "z",
        "é",
        "😀",
        "你好",
        "Привет",
        "שלום",
        " ",
        "  ",
        ".",
        ",",
        "!",
        "?",
        "(",
        ")",
        "]",
        "#",
        "-",
        "1",
        "<",
        "&",
        "'",
        "\"",
        ":",
        "/",
        "\t",
        "+",
        "=",
        "|",
        "{",
        "}",
        "^",
        "%",
        "$",
        "@",
    ];
    for _ in 0..2000 {
        let lines = 1 + rng.below(4);
        let mut text = String::new();
        for l in 0..lines {
            if l > 0 {
                text.push('\n');
            }
            text.push('x');
            for _ in 0..rng.below(12) {
                text.push_str(pieces[rng.below(pieces.len())]);
            }
        }
        assert!(!has_markup(&text), "{text:?}");
        assert_eq!(plain(&text), text);
        check_invariants(&text);
    }
}

// ---- has_markup() --------------------------------------------------------------------------

#[test]
fn has_markup_cases() {
    for plain_text in
        ["", "hello", "Hello, how are you?", "a\nb", "café 😀 你好", "(a) # - 1. ok", "just] text"]
    {
        assert!(!has_markup(plain_text), "{plain_text:?}");
        check_invariants(plain_text);
    }
    for marked in [
        "**b**",
        "_i_",
        "~~s~~",
        "`c`",
        "[a](https://x.org)",
        "> q",
        r"\*",
        "http://x.org",
        "HTTPS://X",
        "www.x.org",
        "WWW.X.ORG",
        "a\n\nb",
        "a\n",
        "\na",
        "a\r\nb",
        "snake_case",
    ] {
        assert!(has_markup(marked), "{marked:?}");
        check_invariants(marked);
    }
}

// ---- hostile input -------------------------------------------------------------------------

/// A tiny deterministic PRNG (xorshift64*): the crate has no dependencies, its tests neither.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Longest message text Natter accepts (4000 graphemes), roughly.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// `unit` repeated 4000 times, cut (at a char boundary) to the message size limit.
fn repeated(unit: &str) -> String {
    let mut text = unit.repeat(4000);
    let mut cut = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text
}

/// Inputs built to hit quadratic or deep paths: 4000 repetitions of each unit (up to the
/// message size limit), plain and with a multibyte character at every offset of the unit,
/// plus some targeted shapes.
fn hostile_inputs() -> Vec<String> {
    // The brief's list, each with a multibyte character at every offset of the unit.
    let units = ["*", "_", "**a", "[", "[a](", "`", "~~", "> ", "\\", "__a"];
    // More shapes, plain and with one multibyte variant.
    let more = [
        "*a ",
        " a*",
        "a_",
        "](",
        "](https://x.org)",
        "https://",
        "https://_",
        "www.",
        "(",
        ")",
        "``",
        "```\n",
        "> **",
        "[a](https://x.org)",
        "\n",
        "\n\n",
        "*_~",
        "<",
        "\\*",
    ];
    let mut inputs = Vec::new();
    for unit in units {
        inputs.push(repeated(unit));
        for extra in ["é", "😀"] {
            for (k, _) in unit.char_indices().chain([(unit.len(), ' ')]) {
                inputs.push(repeated(&format!("{}{extra}{}", &unit[..k], &unit[k..])));
            }
        }
    }
    for unit in more {
        inputs.push(repeated(unit));
        inputs.push(repeated(&format!("{unit}😀")));
    }
    let n = 4000;
    // Deep nesting attempts.
    inputs.push(format!("{}x{}", "**a ".repeat(n / 4), " a**".repeat(n / 4)));
    inputs.push(format!("{}x{}", "*_~~".repeat(n / 4), "~~_*".repeat(n / 4)));
    inputs.push(format!("{}x{}", "*".repeat(n), "*".repeat(n)));
    inputs.push(format!("{}x{}", "[".repeat(n), "](https://x.org)".repeat(n / 16)));
    inputs.push(format!("{}{}", "[a](".repeat(n), ")".repeat(n)));
    inputs.push(format!("{}https://x.org{}", "(".repeat(n), ")".repeat(n)));
    inputs.push(format!("https://x.org/{}", ")".repeat(n)));
    inputs.push(format!("[x]({}https://x.org{})", "(".repeat(n), ")".repeat(n)));
    // Backtick runs of every length without closers: "` `` ``` …".
    inputs.push((1..180).map(|k| "`".repeat(k)).collect::<Vec<_>>().join(" "));
    // Many openers of one character, then many closers of another.
    inputs.push(format!("{}{}", "_a ".repeat(n / 2), "b*".repeat(n / 2)));
    inputs.push(format!("{}{}", "*a ".repeat(n / 2), "b_ ".repeat(n / 2)));
    // Long lines and many lines.
    inputs.push("a".repeat(16_000));
    inputs.push("> a\n".repeat(n));
    inputs.push("```\na\n".repeat(n));
    inputs.push("a\n".repeat(n));
    inputs.push(format!("{}{}", "https://x.org/".repeat(n / 4), ".".repeat(n)));
    inputs.push(format!("`{}", "a `` ".repeat(n / 5)));
    inputs
}

#[test]
fn hostile_inputs_never_panic_and_stay_fast() {
    let inputs = hostile_inputs();
    let started = Instant::now();
    for input in &inputs {
        let blocks = parse(input);
        assert!(nesting(&blocks) <= MAX_DEPTH);
    }
    let elapsed = started.elapsed();
    let bytes: usize = inputs.iter().map(String::len).sum();
    eprintln!("hostile inputs: {} texts, {bytes} bytes, parsed in {elapsed:?}", inputs.len());
    // Linear work takes milliseconds here even unoptimised; anything quadratic takes seconds.
    // A guard against a runaway parser only; speed is a benchmark's business.
    assert!(elapsed < Duration::from_secs(60), "hostile inputs took {elapsed:?}");
}

#[test]
fn hostile_inputs_keep_the_invariants() {
    for input in hostile_inputs() {
        let _ = plain(&input);
        let _ = has_markup(&input);
        // The full checks are slower, so on shorter versions of the same shapes.
        let short: String = input.chars().take(600).collect();
        check_invariants(&short);
    }
}

#[test]
fn random_markup_soup_keeps_the_invariants() {
    let pieces = [
        "*",
        "**",
        "_",
        "__",
        "~",
        "~~",
        "`",
        "``",
        "```",
        "[",
        "]",
        "(",
        ")",
        "](",
        "https://",
        "http://",
        "www.",
        "x.org",
        "a",
        "b",
        " ",
        "\n",
        "\n\n",
        "> ",
        ">",
        "\\",
        "é",
        "😀",
        "<",
        "javascript:",
        "mailto:",
        "\t",
        "\r",
        "#",
        ".",
        "\u{200b}",
        "a_b",
        "1",
        "rust",
        "HTTPS://",
        "\"",
        "'",
    ];
    let mut rng = Rng(0xdead_beef);
    for _ in 0..5000 {
        let mut input = String::new();
        for _ in 0..rng.below(40) {
            input.push_str(pieces[rng.below(pieces.len())]);
        }
        check_invariants(&input);
    }
}

#[test]
fn every_prefix_of_a_rich_message_parses() {
    // Cutting a message anywhere (as a client does while the user types) never panics.
    let message = "> **Re: the _plan_**\n\nSee [docs](https://x.org/a_(b)) & www.y.org.\n```rust\nlet é = \"😀\";\n```\n~~done~~ `code` \\* 你好 https://z.org/п";
    for (k, _) in message.char_indices() {
        check_invariants(&message[..k]);
    }
}

#[test]
fn long_runs_of_markers_parse_whole() {
    // Shapes that a quadratic parser would choke on (openers every later closer rejects or
    // cannot reach); how fast they parse is measured by a benchmark, not here.
    let shapes: [fn(usize) -> String; 12] = [
        |n| "*é*a".repeat(n),
        |n| "*_é~".repeat(n),
        |n| "_a ".repeat(n),
        |n| "``é".repeat(n),
        |n| "**a ".repeat(n),
        |n| "[a](".repeat(n),
        |n| "[".repeat(n),
        |n| "https://_".repeat(n),
        |n| "(https://x.org/a) ".repeat(n),
        |n| format!("{}{}", "*x ".repeat(n), "a**a".repeat(n)),
        |n| format!("{}{}", "_x ".repeat(n), "y* ".repeat(n)),
        |n| format!("{}{}", "[a ".repeat(n), "*b](https://x.org) ".repeat(n)),
    ];
    for shape in shapes {
        let text = shape(4000);
        let blocks = parse(&text);
        assert!(!blocks.is_empty());
        assert!(!plain(&text).is_empty());
    }
}
