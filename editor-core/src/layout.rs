//! The editor's size and zoom, saved with the plugin state.
//!
//! nice-plug-egui's `EguiEditorState` is not serializable and is fixed when the editor object is
//! created (before the host restores the state), so each plugin's params keep an
//! [`EditorLayout`] as a `#[persist = "editor-layout"]` field and the editor shell
//! (`catalyst_widgets::CatalystEditor`) builds its window from it each time it opens. It lives
//! here, outside the GUI crate, so a plugin built without its GUI saves the same state.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// Editor size in logical points and the user's zoom; saved with the plugin state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EditorLayout {
    pub width: u32,
    pub height: u32,
    #[serde(default = "one")]
    pub zoom: f32,
}

fn one() -> f32 {
    1.0
}

impl EditorLayout {
    /// Clamps a restored layout to sane values (a corrupt state must not open a 0×0 or a
    /// 100 000-pixel window).
    pub fn sanitized(self, min: (u32, u32)) -> Self {
        Self {
            width: self.width.clamp(min.0, 8192),
            height: self.height.clamp(min.1, 8192),
            zoom: if self.zoom.is_finite() {
                self.zoom.clamp(0.5, 3.0)
            } else {
                1.0
            },
        }
    }
}

/// The persisted layout, shared between the params (which save it) and the editor.
/// Use as `#[persist = "editor-layout"] pub editor_layout: SharedLayout` in the params struct.
pub type SharedLayout = Arc<RwLock<EditorLayout>>;

/// Creates the layout field for a params struct's `Default`.
pub fn shared_layout(width: u32, height: u32) -> SharedLayout {
    Arc::new(RwLock::new(EditorLayout {
        width,
        height,
        zoom: 1.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_survives_json_and_corrupt_values_are_clamped() {
        let layout = EditorLayout {
            width: 900,
            height: 560,
            zoom: 1.25,
        };
        let json = serde_json::to_string(&layout).unwrap();
        let back: EditorLayout = serde_json::from_str(&json).unwrap();
        assert_eq!(back, layout);
        let old: EditorLayout = serde_json::from_str(r#"{"width":10,"height":99999}"#).unwrap();
        let sane = old.sanitized((640, 400));
        assert_eq!((sane.width, sane.height, sane.zoom), (640, 8192, 1.0));
        let nan = EditorLayout {
            zoom: f32::NAN,
            ..layout
        };
        assert_eq!(nan.sanitized((1, 1)).zoom, 1.0);
    }
}
