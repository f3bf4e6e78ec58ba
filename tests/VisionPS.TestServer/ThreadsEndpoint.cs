using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>
    /// Legacy Assistants v2: /v1/threads, messages and runs. Requires the OpenAI-Beta: assistants=v2 header, takes
    /// image_file by file id and image_url only for real http(s) URLs: a data: URL fails with the service's exact error.
    /// </summary>
    internal static class ThreadsEndpoint
    {
        internal static void RequireBeta(HttpContext context)
        {
            if (!context.Request.Headers["OpenAI-Beta"].ToString().Contains("assistants=v2", StringComparison.Ordinal))
            {
                throw new ApiError(400, "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.", code: "invalid_beta");
            }
        }

        internal static async Task CreateAsync(HttpContext context, EndpointState state, byte[] body)
        {
            RequireBeta(context);
            JsonObject request = body.Length == 0 ? new JsonObject() : Json.ParseBody(body);
            var thread = new ThreadState { Id = state.NewId("thread_"), CreatedAt = EndpointState.Now };
            if (request["messages"] is JsonArray messages)
            {
                for (int i = 0; i < messages.Count; i++)
                {
                    if (messages[i] is not JsonObject m)
                    {
                        throw ApiError.WrongType($"messages[{i}]", "an object", Json.Kind(messages[i]));
                    }
                    thread.Messages.Add(ReadMessage(m, $"messages[{i}]", thread, state));
                }
            }
            state.Threads[thread.Id] = thread;
            await Http.WriteJsonAsync(context, 200, ToJson(thread));
        }

        internal static Task GetAsync(HttpContext context, EndpointState state, string id)
        {
            RequireBeta(context);
            return Http.WriteJsonAsync(context, 200, ToJson(Find(state, id)));
        }

        internal static async Task AddMessageAsync(HttpContext context, EndpointState state, string id, byte[] body)
        {
            RequireBeta(context);
            ThreadState thread = Find(state, id);
            JsonObject message = ReadMessage(Json.ParseBody(body), "messages[0]", thread, state);
            lock (thread.Messages)
            {
                thread.Messages.Add(message);
            }
            await Http.WriteJsonAsync(context, 200, message);
        }

        internal static Task ListMessagesAsync(HttpContext context, EndpointState state, string id)
        {
            RequireBeta(context);
            ThreadState thread = Find(state, id);
            List<JsonObject> messages;
            lock (thread.Messages)
            {
                messages = thread.Messages.AsEnumerable().Reverse().ToList();
            }
            return Http.WriteJsonAsync(context, 200, new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(messages.Select(m => (JsonNode)m.DeepClone()).ToArray()),
                ["first_id"] = messages.Count > 0 ? messages[0]["id"]?.DeepClone() : null,
                ["last_id"] = messages.Count > 0 ? messages[^1]["id"]?.DeepClone() : null,
                ["has_more"] = false,
            });
        }

        /// <summary>A run completes at once: the assistant answers about the thread's images like chat completions do.</summary>
        internal static async Task CreateRunAsync(HttpContext context, EndpointState state, string id, byte[] body)
        {
            RequireBeta(context);
            ThreadState thread = Find(state, id);
            JsonObject request = Json.ParseBody(body);
            string assistant = Json.ReqString(request, "assistant_id", "assistant_id");
            string model = Json.OptString(request, "model", "model") ?? "gpt-4o";
            var images = new ImageResolver(state, model);
            var texts = new List<string>();
            List<JsonObject> messages;
            lock (thread.Messages)
            {
                messages = thread.Messages.ToList();
            }
            foreach (JsonObject m in messages.Where(m => (string?)m["role"] == "user"))
            {
                foreach (JsonObject part in m["content"]!.AsArray().OfType<JsonObject>())
                {
                    switch ((string?)part["type"])
                    {
                        case "text":
                            texts.Add((string)part["text"]!["value"]!);
                            break;
                        case "image_file":
                            images.FromFile((string)part["image_file"]!["file_id"]!, (string?)part["image_file"]!["detail"] ?? "auto", "image_file.file_id");
                            break;
                        case "image_url":
                            images.FromUrl((string)part["image_url"]!["url"]!, (string?)part["image_url"]!["detail"] ?? "auto", "image_url.url");
                            break;
                    }
                }
            }
            var answer = new Answer("threads", model, Json.OptString(request, "instructions", "instructions"), texts, images.Images, null);
            string runId = state.NewId("run_");
            long now = EndpointState.Now;
            JsonObject reply = NewMessage(state, thread, "assistant", new JsonArray(Text(answer.Text)));
            reply["assistant_id"] = assistant;
            reply["run_id"] = runId;
            lock (thread.Messages)
            {
                thread.Messages.Add(reply);
            }
            var run = new JsonObject
            {
                ["id"] = runId,
                ["object"] = "thread.run",
                ["created_at"] = now,
                ["thread_id"] = thread.Id,
                ["assistant_id"] = assistant,
                ["status"] = "completed",
                ["required_action"] = null,
                ["last_error"] = null,
                ["expires_at"] = null,
                ["started_at"] = now,
                ["cancelled_at"] = null,
                ["failed_at"] = null,
                ["completed_at"] = now,
                ["incomplete_details"] = null,
                ["model"] = model,
                ["instructions"] = "",
                ["tools"] = new JsonArray(),
                ["metadata"] = new JsonObject(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = answer.PromptTokens, ["completion_tokens"] = answer.CompletionTokens, ["total_tokens"] = answer.TotalTokens },
                ["temperature"] = 1.0,
                ["top_p"] = 1.0,
                ["max_prompt_tokens"] = null,
                ["max_completion_tokens"] = null,
                ["truncation_strategy"] = new JsonObject { ["type"] = "auto", ["last_messages"] = null },
                ["response_format"] = "auto",
                ["tool_choice"] = "auto",
                ["parallel_tool_calls"] = true,
            };
            lock (thread.Runs)
            {
                thread.Runs[runId] = run;
            }
            await Http.WriteJsonAsync(context, 200, run);
        }

        internal static Task GetRunAsync(HttpContext context, EndpointState state, string id, string runId)
        {
            RequireBeta(context);
            ThreadState thread = Find(state, id);
            lock (thread.Runs)
            {
                return thread.Runs.TryGetValue(runId, out JsonObject? run)
                    ? Http.WriteJsonAsync(context, 200, run.DeepClone())
                    : throw ApiError.NotFound("run", runId);
            }
        }

        private static JsonObject ReadMessage(JsonObject request, string at, ThreadState thread, EndpointState state)
        {
            string role = Json.ReqString(request, "role", "role");
            if (role is not ("user" or "assistant"))
            {
                throw ApiError.Invalid("role", $"Invalid value: '{role}'. Supported values are: 'user' and 'assistant'.");
            }
            var content = new JsonArray();
            JsonNode? raw = request["content"];
            if (raw is JsonValue)
            {
                content.Add(Text(Json.ReqString(request, "content", "content")));
            }
            else if (raw is JsonArray parts)
            {
                var images = new ImageResolver(state, "gpt-4o");
                for (int j = 0; j < parts.Count; j++)
                {
                    string pat = $"{at}.content[{j}]";
                    if (parts[j] is not JsonObject part)
                    {
                        throw ApiError.WrongType(pat, "an object", Json.Kind(parts[j]));
                    }
                    string type = Json.ReqString(part, "type", pat + ".type");
                    if (type is "image_file" or "image_url" && role != "user")
                    {
                        throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. Images are only allowed in messages with role 'user'.");
                    }
                    switch (type)
                    {
                        case "text":
                            content.Add(Text(Json.ReqString(part, "text", pat + ".text")));
                            break;
                        case "image_file":
                            JsonObject file = part["image_file"] as JsonObject ?? throw ApiError.MissingParam(pat + ".image_file");
                            string fileId = Json.ReqString(file, "file_id", pat + ".image_file.file_id");
                            string fileDetail = Json.OptString(file, "detail", pat + ".image_file.detail") ?? "auto";
                            if (!ImageResolver.IsDetail(fileDetail, allowOriginal: false))
                            {
                                throw ApiError.Invalid(pat + ".image_file.detail", $"Invalid value: '{fileDetail}'. Supported values are: 'auto', 'low', and 'high'.");
                            }
                            images.FromFile(fileId, fileDetail, pat + ".image_file.file_id");
                            content.Add(new JsonObject { ["type"] = "image_file", ["image_file"] = new JsonObject { ["file_id"] = fileId, ["detail"] = fileDetail } });
                            break;
                        case "image_url":
                            JsonObject image = part["image_url"] as JsonObject ?? throw ApiError.MissingParam(pat + ".image_url");
                            string url = Json.ReqString(image, "url", pat + ".image_url.url");
                            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                            {
                                // The exact error the real service returned for a data: URL (shared/openai/README.md).
                                throw new ApiError(400, $"Invalid '{pat}.image_url.url'. Expected a valid URL, but got a value with an invalid format.", param: pat + ".image_url.url", code: "invalid_value");
                            }
                            string urlDetail = Json.OptString(image, "detail", pat + ".image_url.detail") ?? "auto";
                            if (!ImageResolver.IsDetail(urlDetail, allowOriginal: false))
                            {
                                throw ApiError.Invalid(pat + ".image_url.detail", $"Invalid value: '{urlDetail}'. Supported values are: 'auto', 'low', and 'high'.");
                            }
                            content.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url, ["detail"] = urlDetail } });
                            break;
                        default:
                            throw ApiError.Invalid(pat + ".type", $"Invalid value: '{type}'. Supported values are: 'text', 'image_file', and 'image_url'.");
                    }
                }
            }
            else
            {
                throw raw is null ? ApiError.MissingParam("content") : ApiError.WrongType("content", "a string or an array", Json.Kind(raw));
            }
            if (content.Count == 0)
            {
                throw ApiError.Invalid("content", "Invalid 'content': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array");
            }
            return NewMessage(state, thread, role, content);
        }

        private static JsonObject Text(string value) => new JsonObject { ["type"] = "text", ["text"] = new JsonObject { ["value"] = value, ["annotations"] = new JsonArray() } };

        private static JsonObject NewMessage(EndpointState state, ThreadState thread, string role, JsonArray content)
        {
            long now = EndpointState.Now;
            return new JsonObject
            {
                ["id"] = state.NewId("msg_"),
                ["object"] = "thread.message",
                ["created_at"] = now,
                ["thread_id"] = thread.Id,
                ["status"] = "completed",
                ["incomplete_details"] = null,
                ["completed_at"] = now,
                ["incomplete_at"] = null,
                ["role"] = role,
                ["content"] = content,
                ["assistant_id"] = null,
                ["run_id"] = null,
                ["attachments"] = new JsonArray(),
                ["metadata"] = new JsonObject(),
            };
        }

        private static JsonObject ToJson(ThreadState t) => new JsonObject
        {
            ["id"] = t.Id,
            ["object"] = "thread",
            ["created_at"] = t.CreatedAt,
            ["tool_resources"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
        };

        private static ThreadState Find(EndpointState state, string id)
            => state.Threads.TryGetValue(id, out ThreadState? t) ? t : throw ApiError.NotFound("thread", id);
    }
}
