/**
 * Published outputs of the real CLIP tokenizer (openai/clip-vit-base-patch32's vocab.json and merges.txt),
 * copied from their sources, never computed here. The real vocabulary is not in the repository, so only
 * what does not need it is checked by default (see clip-tokenizer.test.ts); the ids are checked when
 * TESSERA_CLIP_TOKENIZER_DIR points at a folder holding the real vocab.json and merges.txt.
 */

/**
 * Hugging Face transformers' CLIPTokenizer integration test (tests/models/clip/test_tokenization_clip.py,
 * transformers v5 layout: `integration_expected_tokens` / `integration_expected_token_ids`, for
 * `from_pretrained_id = "openai/clip-vit-base-patch32"`), on the shared test input of
 * tests/test_tokenization_common.py. No start or end token.
 */
export const HF_INTEGRATION = {
  text:
    'This is a test 😊\nI was born in 92000, and this is falsé.\n生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n' +
    '<s>\nhi<s>there\nThe following string should be properly encoded: Hello.\nBut ird and ปี   ird   ด\nHey how are you doing',
  // prettier-ignore
  tokens: [
    'this</w>', 'is</w>', 'a</w>', 'test</w>', 'ðŁĺĬ</w>', 'i</w>', 'was</w>', 'born</w>', 'in</w>', '9</w>', '2</w>',
    '0</w>', '0</w>', '0</w>', ',</w>', 'and</w>', 'this</w>', 'is</w>', 'fal', 's', 'Ã©</w>', '.</w>', 'çĶŁ', 'æ',
    '´', '»', 'ç', 'ļ', 'Ħ', 'çľŁ', 'è', '°', 'Ľ', 'æĺ', '¯</w>', 'hi</w>', 'hello</w>', 'hi</w>', 'hello</w>',
    'hello</w>', '<</w>', 's</w>', '></w>', 'hi</w>', '<</w>', 's</w>', '></w>', 'there</w>', 'the</w>',
    'following</w>', 'string</w>', 'should</w>', 'be</w>', 'properly</w>', 'en', 'coded</w>', ':</w>', 'hello</w>',
    '.</w>', 'but</w>', 'ird</w>', 'and</w>', 'à¸', 'Ľ</w>', 'à¸µ</w>', 'ird</w>', 'à¸Ķ</w>', 'hey</w>', 'how</w>',
    'are</w>', 'you</w>', 'doing</w>',
  ],
  // prettier-ignore
  ids: [
    589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166, 269,
    33375, 162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283, 338,
    285, 1883, 283, 338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281, 3306, 269, 767, 2770, 537,
    1777, 505, 20278, 2770, 38825, 2189, 829, 631, 592, 1960,
  ],
}

/**
 * Full model inputs (start and end tokens included, before padding): Bumblebee's integration test of
 * `{:hf, "openai/clip-vit-base-patch32"}` (elixir-nx/bumblebee test/bumblebee/text/clip_tokenizer_test.exs).
 */
export const BUMBLEBEE_INPUTS: ReadonlyArray<{ text: string; ids: number[] }> = [
  { text: 'a photo of a cat', ids: [49406, 320, 1125, 539, 320, 2368, 49407] },
  { text: 'a photo of a dog', ids: [49406, 320, 1125, 539, 320, 1929, 49407] },
]

/** Special token ids of the real vocabulary (49,408 entries: 256 bytes, 256 bytes + "</w>", 48,894 merges, 2). */
export const REAL_START_ID = 49406
export const REAL_END_ID = 49407
export const REAL_VOCAB_SIZE = 49408
