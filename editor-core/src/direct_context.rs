//! A GUI context for hosts that have no automation lanes to record into: the offline `catalyst`
//! tool (presets and `--set` before a render) and the editor test host. A parameter change is
//! applied to the parameter at once; begin/end gestures have nothing to record.

use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::{ParamPtr, Params, PluginState};
use std::sync::Arc;

pub struct DirectGuiContext {
    api: PluginApi,
    /// When set, `get_state` reports the persisted fields of these params (what an editor that
    /// asks its host for the state would see).
    params: Option<Arc<dyn Params>>,
}

impl DirectGuiContext {
    pub fn new(api: PluginApi, params: Option<Arc<dyn Params>>) -> Self {
        Self { api, params }
    }

    /// The same, wrapped as the `GuiContext` an editor is opened with.
    pub fn gui_context(api: PluginApi, params: Option<Arc<dyn Params>>) -> GuiContext {
        GuiContext::new(Arc::new(Self::new(api, params)))
    }
}

impl GuiContextInner for DirectGuiContext {
    fn plugin_api(&self) -> PluginApi {
        self.api
    }

    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: the pointer comes from a `Params` object the caller keeps alive.
        unsafe {
            param._internal_set_normalized_value(normalized);
        }
    }

    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}

    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: self
                .params
                .as_ref()
                .map(|p| p.serialize_fields())
                .unwrap_or_default(),
        }
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_params::TestParams;

    #[test]
    fn parameter_changes_apply_at_once() {
        let params = Arc::new(TestParams::default());
        let context = DirectGuiContext::gui_context(PluginApi::Standalone, Some(params.clone()));
        context.param_setter().set_parameter(&params.gain, 5.0);
        assert_eq!(params.gain.value(), 5.0);
        assert_eq!(context.plugin_api(), PluginApi::Standalone);
    }
}
