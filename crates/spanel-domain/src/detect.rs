//! Audit (detect) rules: which patterns node backends can compile, and SSPanel's automatic ban.
//!
//! Node backends (XrayR, V2bX) compile `detect_list.regex` with Go's `regexp` package (RE2 syntax).
//! A pattern they cannot compile makes them skip the rule, or the whole list, silently; so a rule is
//! refused when saved unless it stays inside what RE2 and the `regex` crate both accept.

use regex_syntax::ast::{self, Ast, ClassSetBinaryOp, ClassSetItem, Visitor};

/// The longest pattern accepted (SSPanel's column is LONGTEXT; nodes load every rule at once).
pub const MAX_PATTERN_CHARS: usize = 4096;
/// RE2's limit on a counted repetition (`a{1001}` is refused by Go).
const MAX_REPEAT: u32 = 1000;
/// Compiled size allowed, so one rule cannot cost a node megabytes of memory.
const COMPILED_SIZE_LIMIT: usize = 1 << 20;

/// SSPanel's rule types: 1 = match the destination (plain text), 2 = match packet contents (hex).
pub fn rule_type_valid(t: i64) -> bool {
    matches!(t, 1 | 2)
}

/// Checks that `pattern` compiles under RE2/Go syntax; the error is the reason, for the operator.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("The pattern is empty.".into());
    }
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(format!("At most {MAX_PATTERN_CHARS} characters."));
    }
    // The parser refuses look-around and backreferences itself, with its own explanation.
    let parsed = ast::parse::Parser::new().parse(pattern).map_err(|e| {
        format!(
            "{} (at character {}).",
            e.kind(),
            pattern[..e.span().start.offset].chars().count() + 1
        )
    })?;
    ast::visit(&parsed, GoCompatible)?;
    regex::RegexBuilder::new(pattern)
        .size_limit(COMPILED_SIZE_LIMIT)
        .build()
        .map(|_| ())
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "The pattern is too large once compiled.".into(),
            other => other.to_string(),
        })
}

/// Refuses what the `regex` crate accepts but Go's RE2 does not (or reads differently).
struct GoCompatible;

fn at(span: &ast::Span) -> usize {
    span.start.offset + 1
}

impl Visitor for GoCompatible {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), String> {
        use ast::AssertionKind as A;
        match node {
            Ast::Assertion(a)
                if !matches!(
                    a.kind,
                    A::StartLine
                        | A::EndLine
                        | A::StartText
                        | A::EndText
                        | A::WordBoundary
                        | A::NotWordBoundary
                ) =>
            {
                Err(format!(
                    "Word-boundary forms such as \\< or \\b{{start}} are not RE2 syntax (at byte {}).",
                    at(&a.span)
                ))
            }
            Ast::Flags(f) => flags_ok(&f.flags),
            Ast::Group(g) => match &g.kind {
                ast::GroupKind::NonCapturing(flags) => flags_ok(flags),
                _ => Ok(()),
            },
            Ast::Repetition(r) => {
                use ast::RepetitionRange as R;
                let n = match &r.op.kind {
                    ast::RepetitionKind::Range(R::Exactly(n) | R::AtLeast(n)) => *n,
                    ast::RepetitionKind::Range(R::Bounded(a, b)) => (*a).max(*b),
                    _ => 0,
                };
                if n > MAX_REPEAT {
                    return Err(format!(
                        "A counted repetition may be at most {MAX_REPEAT} (at byte {}).",
                        at(&r.span)
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Bracketed(b) => Err(format!(
                "Nested character classes are not RE2 syntax (at byte {}).",
                at(&b.span)
            )),
            _ => Ok(()),
        }
    }

    fn visit_class_set_binary_op_pre(&mut self, op: &ClassSetBinaryOp) -> Result<(), String> {
        Err(format!(
            "Class operations (&&, --, ~~) are not RE2 syntax (at byte {}).",
            at(&op.span)
        ))
    }
}

/// Go accepts the flags i, m, s and U only.
fn flags_ok(flags: &ast::Flags) -> Result<(), String> {
    use ast::Flag as F;
    for item in &flags.items {
        if let ast::FlagsItemKind::Flag(f @ (F::IgnoreWhitespace | F::CRLF | F::Unicode)) =
            item.kind
        {
            let name = match f {
                F::IgnoreWhitespace => 'x',
                F::CRLF => 'R',
                _ => 'u',
            };
            return Err(format!(
                "The flag {name} is not RE2 syntax (at byte {}).",
                at(&item.span)
            ));
        }
    }
    Ok(())
}

/// One step of SSPanel's "ladder" mode (`auto_detect_ban`): at `hits` or more, ban for `minutes`,
/// or (`minutes` None, SSPanel's `kill`) disable for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderStep {
    pub hits: i64,
    pub minutes: Option<i64>,
}

/// SSPanel's automatic-ban modes (`auto_detect_ban_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanPolicy {
    /// 1: every `hits` hits since the last ban, a ban of `minutes`.
    EveryN { hits: i64, minutes: i64 },
    /// 2: the highest step reached by the total count decides.
    Ladder(Vec<LadderStep>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Disable now; `minutes` None = until an operator enables the account.
    Ban {
        detect_number: i64,
        minutes: Option<i64>,
    },
}

/// Parses SSPanel's ladder `{"100":{"type":"time","time":120},"1000":{"type":"kill"}}`.
pub fn parse_ladder(raw: &str) -> Result<Vec<LadderStep>, String> {
    let v: serde_json::Value = serde_json::from_str(raw.trim()).map_err(|e| e.to_string())?;
    let obj = v
        .as_object()
        .ok_or("A JSON object of hit counts to steps.")?;
    let mut steps = Vec::with_capacity(obj.len());
    for (k, step) in obj {
        let hits: i64 = k
            .trim()
            .parse()
            .map_err(|_| format!("{k} is not a count."))?;
        let kind = step.get("type").and_then(|t| t.as_str()).unwrap_or("time");
        let minutes = match kind {
            "kill" => None,
            "time" => Some(
                step.get("time")
                    .and_then(|t| t.as_i64().or_else(|| t.as_str()?.trim().parse().ok()))
                    .filter(|m| (1..=i32::MAX as i64).contains(m))
                    .ok_or_else(|| format!("Step {hits} needs a time in minutes."))?,
            ),
            other => return Err(format!("Step {hits}: unknown type {other}.")),
        };
        if hits < 1 {
            return Err("Counts start at 1.".into());
        }
        steps.push(LadderStep { hits, minutes });
    }
    steps.sort_by_key(|s| s.hits);
    Ok(steps)
}

/// What to do with a user whose running total of hits is `total`, `since_last_ban` of them after
/// their last ban.
pub fn decide(policy: &BanPolicy, total: i64, since_last_ban: i64) -> Verdict {
    match policy {
        BanPolicy::EveryN { hits, minutes } => {
            if *hits > 0 && since_last_ban >= *hits {
                Verdict::Ban {
                    detect_number: since_last_ban,
                    minutes: Some(*minutes),
                }
            } else {
                Verdict::Keep
            }
        }
        BanPolicy::Ladder(steps) => match steps.iter().rev().find(|s| total >= s.hits) {
            Some(step) if since_last_ban > 0 => Verdict::Ban {
                detect_number: total,
                minutes: step.minutes,
            },
            _ => Verdict::Keep,
        },
    }
}

/// SSPanel's exempt-user list: `1,2,3` or `[1,2,3]`.
pub fn parse_user_list(raw: &str) -> Vec<i64> {
    raw.split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_patterns_pass() {
        for p in [
            r"(.*\.||)(baidu|qq)\.com",
            r"^[a-z0-9-]+\.example\.org$",
            r"(?i)bittorrent",
            r"\x13BitTorrent protocol",
        ] {
            assert_eq!(check_pattern(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn what_go_cannot_compile_is_refused_with_a_reason() {
        for (p, says) in [
            ("(?=x)abc", "look-around"),
            ("(?<!x)abc", "look-around"),
            (r"(a)\1", "backreference"),
            ("(abc", "unclosed"),
            ("[a-z&&[^aeiou]]", "RE2"),
            ("[a[bc]]", "Nested"),
            (r"\<word\>", "RE2"),
            ("(?x) a b", "flag x"),
            ("a{1001}", "at most 1000"),
            ("", "empty"),
        ] {
            let err = check_pattern(p).expect_err(p);
            assert!(err.contains(says), "{p}: {err}");
        }
    }

    #[test]
    fn every_n_bans_after_n_hits_since_the_last_ban() {
        let p = BanPolicy::EveryN {
            hits: 30,
            minutes: 60,
        };
        assert_eq!(decide(&p, 29, 29), Verdict::Keep);
        assert_eq!(
            decide(&p, 45, 30),
            Verdict::Ban {
                detect_number: 30,
                minutes: Some(60)
            }
        );
    }

    #[test]
    fn ladder_takes_the_highest_step_reached() {
        let steps =
            parse_ladder(r#"{"100":{"type":"time","time":120},"300":{"type":"time","time":"720"},"1000":{"type":"kill"}}"#)
                .unwrap();
        let p = BanPolicy::Ladder(steps);
        assert_eq!(decide(&p, 99, 5), Verdict::Keep);
        assert_eq!(
            decide(&p, 301, 2),
            Verdict::Ban {
                detect_number: 301,
                minutes: Some(720)
            }
        );
        assert_eq!(
            decide(&p, 1000, 1),
            Verdict::Ban {
                detect_number: 1000,
                minutes: None
            }
        );
        assert_eq!(decide(&p, 500, 0), Verdict::Keep);
        assert!(parse_ladder(r#"{"x":{"type":"time","time":1}}"#).is_err());
        assert!(parse_ladder(r#"{"5":{"type":"nuke"}}"#).is_err());
    }

    #[test]
    fn exempt_users_in_either_spelling() {
        assert_eq!(parse_user_list("[1, 2,3]"), vec![1, 2, 3]);
        assert_eq!(parse_user_list("7,8"), vec![7, 8]);
        assert!(parse_user_list("").is_empty());
    }
}
