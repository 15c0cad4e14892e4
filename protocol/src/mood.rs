//! How a message's sentiment score (computed by the server when it is posted) is shown.

/// The mood shown next to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mood {
    Positive,
    Neutral,
    Negative,
}

impl Mood {
    /// VADER's convention: a compound score of at least 0.05 is positive, at most -0.05
    /// negative, anything between (or NaN) neutral.
    pub fn of(score: f32) -> Mood {
        if score >= 0.05 {
            Mood::Positive
        } else if score <= -0.05 {
            Mood::Negative
        } else {
            Mood::Neutral
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Mood::Positive => "😊",
            Mood::Neutral => "😐",
            Mood::Negative => "😞",
        }
    }

    /// Accessible label for the emoji.
    pub fn label(self) -> &'static str {
        match self {
            Mood::Positive => "positive",
            Mood::Neutral => "neutral",
            Mood::Negative => "negative",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mood;

    #[test]
    fn thresholds_follow_vader() {
        assert_eq!(Mood::of(0.05), Mood::Positive);
        assert_eq!(Mood::of(0.049), Mood::Neutral);
        assert_eq!(Mood::of(-0.05), Mood::Negative);
        assert_eq!(Mood::of(f32::NAN), Mood::Neutral);
        assert_eq!(Mood::Negative.emoji(), "😞");
    }
}
