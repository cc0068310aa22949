//! The model, in a build without the `semantic` cargo feature: every use says so.

use std::path::Path;

use super::ModelId;
use crate::error::{Error, Result};

/// A model (never made in this build).
pub enum Model {}

impl Model {
    /// Refuses: this build has no semantic stage.
    pub fn load(dir: &Path) -> Result<Model> {
        Err(Error::Model {
            path: dir.to_path_buf(),
            message: "cannot be used: this medsearch was built without the `semantic` feature"
                .to_string(),
        })
    }

    /// What identifies the model.
    pub fn id(&self) -> &ModelId {
        match *self {}
    }

    /// The unit vector of each text.
    pub fn embed(&self, _texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        match *self {}
    }

    /// The unit vector of each text, and how many were cut.
    pub fn embed_counting(&self, _texts: &[&str]) -> Result<(Vec<Vec<f32>>, usize)> {
        match *self {}
    }
}
