// Error messages from the SDK and from fetch may quote request URLs, and a
// presigned one carries a credential and a signature: never print one.

/** `text` with every presigned (X-Amz-*) URL replaced by "<signed URL>". */
export function redactSignedUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/\S*?[?&]X-Amz-[^\s"']*/gi, "<signed URL>");
}
