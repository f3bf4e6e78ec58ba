using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>
    /// Answers the OpenAI spec allows (or a gateway sends) that a client may not expect, by name (fault
    /// <c>canned=NAME</c>): each replaces the real answer with a fixed status and body, whatever was asked.
    /// </summary>
    public static class CannedAnswers
    {
        private const string Usage = "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}";

        private static string Completion(string message, string finish = "stop")
            => "{\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[{\"index\":0,\"message\":"
               + message + ",\"finish_reason\":\"" + finish + "\",\"logprobs\":null}]," + Usage + "}";

        private static string Response(string output, string createdAt = "1764547200", string status = "completed", string extra = "")
            => "{\"id\":\"resp_canned\",\"object\":\"response\",\"created_at\":" + createdAt + ",\"status\":\"" + status + "\"," + extra + "\"model\":\"canned\",\"output\":["
               + output + "],\"usage\":{\"input_tokens\":10,\"output_tokens\":2,\"total_tokens\":12,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens_details\":{\"reasoning_tokens\":0}}}";

        /// <summary>In a canned body: replaced by the key the request sent (a service that echoes it back).</summary>
        public const string KeyEcho = "%ECHO-KEY%";

        /// <summary>In a canned body: the first half of the key the request sent, and the rest (a key split across stream chunks).</summary>
        public const string KeyEchoHead = "%ECHO-KEY-HEAD%";

        /// <summary>See <see cref="KeyEchoHead"/>.</summary>
        public const string KeyEchoTail = "%ECHO-KEY-TAIL%";

        /// <summary>
        /// In a canned body: the key the request sent with every second character a JSON \u escape, written for an answer
        /// text that is itself JSON (the backslash doubled in the body's string): a parser of the answer gets the key back.
        /// </summary>
        public const string KeyEchoEscaped = "%ECHO-KEY-ESCAPED%";

        private static string Chunk(string delta, string finish = "null")
            => "data: {\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";

        /// <summary>Name: (status, content type, body).</summary>
        public static IReadOnlyDictionary<string, (int Status, string ContentType, string Body)> All { get; } =
            new Dictionary<string, (int, string, string)>(StringComparer.Ordinal)
            {
                // Chat Completions
                ["empty-choices"] = (200, "application/json",
                    "{\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[]," + Usage + "}"),
                ["audio-not-base64"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"a cat\",\"refusal\":null,\"audio\":{\"id\":\"audio_1\",\"data\":\"%%% not base64 %%%\",\"expires_at\":1764550800,\"transcript\":\"a cat\"}}")),
                ["bad-annotation-url"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"a cat\",\"refusal\":null,\"annotations\":[{\"type\":\"url_citation\",\"url_citation\":{\"url\":\"http://exa mple.com:99999/[x\",\"title\":\"t\",\"start_index\":0,\"end_index\":1}}]}")),
                ["unknown-tool-call"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":null,\"refusal\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"custom\",\"custom\":{\"name\":\"x\",\"input\":\"y\"}}]}", "tool_calls")),
                ["refusal"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't help with identifying people in images.\"}")),
                // Answers cut short by the token limit, or withheld by the content filter.
                ["length"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"a ca\",\"refusal\":null}", "length")),
                ["content-filter"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "content_filter")),
                // An empty answer that says it is finished (a model that had nothing to say, or a gateway that lost it).
                ["empty"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}")),
                // Valid JSON of the wrong shape: a message content that is an object or a number (neither text nor
                // parts), a choice without its message, and usage counts below zero.
                ["content-object"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":{\"text\":\"a cat\"},\"refusal\":null}")),
                ["content-number"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":42,\"refusal\":null}")),
                ["message-null"] = (200, "application/json",
                    "{\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[{\"index\":0,\"message\":null,\"finish_reason\":\"stop\"}]," + Usage + "}"),
                ["usage-negative"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"a cat\",\"refusal\":null}").Replace(Usage, "\"usage\":{\"prompt_tokens\":-10,\"completion_tokens\":-2,\"total_tokens\":-12}", StringComparison.Ordinal)),
                ["json-for-stream"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"a plain JSON answer\",\"refusal\":null}")),
                ["not-json"] = (200, "application/json", "<html><body>Bad gateway</body></html>"),
                // A web page where an image was expected (a login wall, or the page showing the image, not the image).
                ["html-page"] = (200, "text/html; charset=utf-8", "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in to see this photo</form></body></html>"),

                // Streams that break off: an error event after the first words (as OpenAI sends one), or no finish at all.
                ["stream-error"] = (200, "text/event-stream",
                    "data: {\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a ca\"},\"finish_reason\":null}]}\n\n"
                    + "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"),
                // A service that repeats the caller's key in a successful answer: its text, its refusal, a stream whose
                // chunks split the key in two, a Responses answer.
                ["answer-key"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"{\\\"said\\\":\\\"Your key is " + KeyEcho + ".\\\"}\",\"refusal\":null}")),
                ["answer-key-escaped"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":\"{\\\"said\\\":\\\"Your key is " + KeyEchoEscaped + ".\\\"}\",\"refusal\":null}")
                        .Replace("\"chatcmpl-canned\"", "\"chatcmpl-" + KeyEcho + "\"", StringComparison.Ordinal)
                        .Replace("\"model\":\"canned\"", "\"model\":\"canned-" + KeyEcho + "\"", StringComparison.Ordinal)),
                ["refusal-key"] = (200, "application/json",
                    Completion("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I will not use the key " + KeyEcho + ".\"}")),
                ["stream-answer-key"] = (200, "text/event-stream",
                    Chunk("{\"role\":\"assistant\",\"content\":\"Your key is " + KeyEchoHead + "\"}") + Chunk("{\"content\":\"" + KeyEchoTail + ".\"}")
                    + Chunk("{}", "\"stop\"") + "data: [DONE]\n\n"),
                ["responses-answer-key"] = (200, "application/json",
                    Response("{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Your key is " + KeyEcho + ".\",\"annotations\":[]}]}")),
                ["stream-cut"] = (200, "text/event-stream",
                    "data: {\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"canned\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a ca\"},\"finish_reason\":null}]}\n\n"),

                // A server that writes every member: "error": null in each chunk of a good stream.
                ["stream-error-null"] = (200, "text/event-stream",
                    "data: {\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"canned\",\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a cat\"},\"finish_reason\":null}]}\n\n"
                    + "data: {\"id\":\"chatcmpl-canned\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,\"model\":\"canned\",\"error\":null,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: [DONE]\n\n"),

                // Responses
                ["fractional-created-at"] = (200, "application/json",
                    Response("{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"a cat\",\"annotations\":[]}]}", "1764547200.25")),
                ["responses-refusal"] = (200, "application/json",
                    Response("{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"I can't help with that.\"}]}")),

                // A 200 whose response did not succeed: failed (with its error), or still queued (background mode).
                ["responses-failed"] = (200, "application/json",
                    Response("", status: "failed", extra: "\"error\":{\"code\":\"server_error\",\"message\":\"The model could not finish the answer.\"},")),
                ["responses-queued"] = (200, "application/json", Response("", status: "queued")),
                // A failed response whose message is 20 MB long, and one that echoes the caller's key (KeyEcho).
                ["responses-failed-huge"] = (200, "application/json",
                    Response("", status: "failed", extra: "\"error\":{\"code\":\"server_error\",\"message\":\"" + new string('x', 20 << 20) + "\"},")),
                ["responses-failed-key"] = (200, "application/json",
                    Response("", status: "failed", extra: "\"error\":{\"code\":\"server_error\",\"message\":\"Bad key " + KeyEcho + " for this model.\"},")),
                ["responses-cancelled"] = (200, "application/json", Response("", status: "cancelled")),
                // A reasoning model that spent its output limit thinking (output: reasoning only, no message), and one
                // that says it completed with no message either.
                ["responses-reasoning-only"] = (200, "application/json",
                    Response("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}", status: "incomplete", extra: "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},")),
                ["responses-reasoning-completed"] = (200, "application/json",
                    Response("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}")),
                // The same as a stream: the reasoning item, then response.incomplete, and not one text delta.
                ["responses-stream-reasoning-only"] = (200, "text/event-stream",
                    "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":0,\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}}\n\n"
                    + "event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"sequence_number\":1,\"response\":"
                    + Response("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}", status: "incomplete", extra: "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},") + "}\n\n"),

                // Errors that are not OpenAI's {"error":{...}} shape
                ["gateway-422"] = (422, "application/json",
                    "{\"detail\":[{\"loc\":[\"body\",\"messages\",0,\"content\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"},{\"loc\":[\"body\",\"model\"],\"msg\":\"unknown model\",\"type\":\"value_error\"}]}"),

                // Servers without file inputs refusing a PDF part: Ollama's OpenAI layer (openai.go, fromChatRequest: any content
                // part but text and image_url) and llama.cpp's server (utils.hpp, oaicompat_chat_params_parse).
                ["ollama-no-files"] = (400, "application/json",
                    "{\"error\":{\"message\":\"invalid message format\",\"type\":\"invalid_request_error\",\"param\":null}}"),
                ["llamacpp-no-files"] = (500, "application/json",
                    "{\"error\":{\"code\":500,\"message\":\"unsupported content[].type\",\"type\":\"server_error\"}}"),

                // An error whose message is 3 MB long (under the 4 MiB an error may hold), and one of 5 MB (over it).
                ["huge-error"] = (400, "application/json",
                    "{\"error\":{\"message\":\"" + new string('x', 3 << 20) + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"),
                ["too-large-error"] = (400, "application/json",
                    "{\"error\":{\"message\":\"" + new string('x', 5 << 20) + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"),

                // Batches: a batch still running whose counters are out of any sensible range (a service or gateway that
                // miscounts): counts whose percentage passes what an int holds, a negative one, and token usage past what an int holds.
                ["batch-odd-counts"] = (200, "application/json",
                    "{\"id\":\"batch_odd\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"errors\":null,\"input_file_id\":\"file-odd\",\"completion_window\":\"24h\",\"status\":\"in_progress\",\"created_at\":1764547200,"
                    + "\"request_counts\":{\"total\":30000000,\"completed\":25000000,\"failed\":600},\"usage\":{\"input_tokens\":3000000000,\"output_tokens\":5000000000,\"total_tokens\":8000000000}}"),
                ["batch-negative-counts"] = (200, "application/json",
                    "{\"id\":\"batch_odd\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"errors\":null,\"input_file_id\":\"file-odd\",\"completion_window\":\"24h\",\"status\":\"in_progress\",\"created_at\":1764547200,"
                    + "\"request_counts\":{\"total\":10,\"completed\":-50,\"failed\":0},\"usage\":{\"input_tokens\":-7,\"output_tokens\":0,\"total_tokens\":-7}}"),

                // Files
                ["not-deleted"] = (200, "application/json", "{\"id\":\"file-canned\",\"object\":\"file\",\"deleted\":false}"),
            };

        /// <summary>Writes the canned answer NAME (an unknown name is a 400 naming the known ones).</summary>
        public static async Task WriteAsync(HttpContext context, string name)
        {
            if (!All.TryGetValue(name, out (int Status, string ContentType, string Body) canned))
            {
                throw ApiError.Invalid("model", $"Unknown canned answer '{name}'; known: {string.Join(", ", All.Keys)}.");
            }
            context.Response.StatusCode = canned.Status;
            context.Response.ContentType = canned.ContentType;
            string body = canned.Body;
            if (body.Contains("%ECHO-KEY", StringComparison.Ordinal))
            {
                string sent = context.Request.Headers.Authorization.ToString();
                string key = sent.StartsWith("Bearer ", StringComparison.Ordinal) ? sent.Substring("Bearer ".Length) : context.Request.Headers["api-key"].ToString();
                body = body.Replace(KeyEcho, key, StringComparison.Ordinal)
                    .Replace(KeyEchoHead, key.Substring(0, key.Length / 2), StringComparison.Ordinal)
                    .Replace(KeyEchoTail, key.Substring(key.Length / 2), StringComparison.Ordinal)
                    .Replace(KeyEchoEscaped, Escaped(key), StringComparison.Ordinal);
            }
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body), context.RequestAborted);
        }

        // See KeyEchoEscaped: "\\u00XX" is "\u00XX" in the answer text.
        private static string Escaped(string key)
        {
            var escaped = new StringBuilder();
            for (int i = 0; i < key.Length; i++)
            {
                escaped.Append(i % 2 == 1 ? "\\\\u" + ((int)key[i]).ToString("x4") : key[i].ToString());
            }
            return escaped.ToString();
        }
    }
}
