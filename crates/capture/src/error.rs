//! Why an input could not be imported: a value with a place and a hint.

use crate::evidence::Place;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportError {
    pub place: Option<Place>,
    pub message: String,
    pub hint: Option<String>,
}

impl ImportError {
    pub(crate) fn new(message: impl Into<String>) -> ImportError {
        ImportError {
            place: None,
            message: message.into(),
            hint: None,
        }
    }
    pub(crate) fn at(mut self, place: Place) -> ImportError {
        self.place = Some(place);
        self
    }
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> ImportError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.place {
            write!(f, "{p}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n    hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}
