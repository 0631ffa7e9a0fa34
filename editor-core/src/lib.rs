//! The GUI-free side of a Catalyst editor, shared by the plugins, the egui widgets
//! (`catalyst-widgets`), the offline `catalyst` CLI and the editor test host:
//!
//! - [`layout`]: the editor's size and zoom, a `#[persist]` field of every plugin's params, so a
//!   plugin's state is the same with or without its GUI.
//! - [`direct_context`]: the GUI context for hosts with no automation lanes (the CLI applies
//!   presets and `--set` through it; the editor test host opens editors with it).
//! - [`history`], [`ab_compare`]: undo/redo of the editor's parameter changes and the two A/B
//!   working states, as plain data; [`edit_session`] wires both to the host's GUI context.
//! - [`no_editor`]: the editor a plugin reports when built without its `gui` feature (the CLI
//!   build), which refuses to open.
//!
//! Nothing here depends on egui or a windowing system.

pub mod ab_compare;
pub mod direct_context;
pub mod edit_session;
pub mod history;
pub mod layout;
pub mod no_editor;
pub mod param;
#[cfg(any(test, feature = "test-params"))]
pub mod test_params;
pub mod user_preset;

pub use ab_compare::{AbCompare, Slot, Snapshot};
pub use catalyst_presets;
pub use direct_context::DirectGuiContext;
pub use edit_session::{EditSession, PresetState, SharedCompare, StateMap, shared_compare};
pub use history::UndoHistory;
pub use layout::{EditorLayout, SharedLayout, shared_layout};
pub use no_editor::NoEditor;
