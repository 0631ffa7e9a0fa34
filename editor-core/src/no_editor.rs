//! The editor of a plugin built without its `gui` feature: the `catalyst` CLI links the plugin
//! crates for their engines, parameters and presets, and must not link egui or a windowing
//! system. The plugin glue (`Plugin::editor`) is the same in both builds; with this editor a host
//! that asks to open the window gets an error, as with a plugin that has no editor.

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::NativeSize;
use nice_plug::editor::{HostMethods, ParentWindowHandle, SpawnedEditor};
use nice_plug::prelude::Editor;
use std::error::Error;

/// An editor that never opens (see the module doc).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEditor;

impl NoEditor {
    /// Accepts and drops the callback `catalyst_widgets::CatalystEditor::on_open_change` takes:
    /// a window that never opens never changes state.
    pub fn on_open_change(self, _callback: impl Fn(bool) + Send + Sync + 'static) -> Self {
        self
    }
}

impl Editor for NoEditor {
    type Handle = ();

    fn spawn(
        &self,
        _parent: Option<ParentWindowHandle>,
        _wait_for_parent: bool,
        _fallback_scale_factor: Option<f64>,
        _gui_context: GuiContext,
        _host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        Err("this build has no editor (built without the `gui` feature)".into())
    }

    fn size(&self) -> NativeSize<u32> {
        NativeSize {
            width: 0,
            height: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DirectGuiContext;
    use nice_plug::context::PluginApi;

    #[test]
    fn refuses_to_open() {
        let editor = NoEditor.on_open_change(|_| panic!("a window that never opens changed state"));
        let context = DirectGuiContext::gui_context(PluginApi::Clap, None);
        let error = editor
            .spawn(None, false, None, context, None)
            .err()
            .expect("NoEditor must not open");
        assert!(error.to_string().contains("no editor"), "{error}");
        assert_eq!((editor.size().width, editor.size().height), (0, 0));
    }
}
