//! Kernel identifiers in narrow columns: `smp_call_function_many_cond()` must
//! wrap after an underscore, not in the middle of a word (a phone's lane is
//! 170 px wide; `overflow-wrap: anywhere` alone broke it as "many_c|ond").

use yew::{html, Html};

/// `text` with a line-break opportunity (`<wbr>`) after every `_` and before
/// every `(`, so that a long identifier wraps between its words. Text without
/// either comes back as it is; copying the text copies no extra characters.
pub fn breakable(text: &str) -> Html {
    if !text.contains(['_', '(']) {
        return html! { { text.to_string() } };
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let cut = match c {
            '_' => i + 1,
            '(' if i > start => i,
            _ => continue,
        };
        parts.push(&text[start..cut]);
        start = cut;
    }
    parts.push(&text[start..]);
    let last = parts.len() - 1;
    html! {
        <>
            { for parts.into_iter().enumerate().map(|(i, part)| html! {
                <>{ part.to_string() }if i < last { <wbr /> }</>
            }) }
        </>
    }
}
