//! The floor for memory and CPU: one Tauri window with one button, built like the app
//! (same crate features, same release profile). `scripts/ui-test.sh` measures it next to Parley.

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut context = tauri::generate_context!();
    // Parley's own windows are declared in tauri.conf.json; the baseline has only its own.
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .setup(|app| {
            WebviewWindowBuilder::new(app, "bare", WebviewUrl::App("bare.html".into()))
                .title("Bare")
                .inner_size(320.0, 200.0)
                .build()?;
            Ok(())
        })
        .run(context)?;
    Ok(())
}
