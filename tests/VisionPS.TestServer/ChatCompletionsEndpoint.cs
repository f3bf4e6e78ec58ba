using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>POST /v1/chat/completions, with streaming (SSE, a usage chunk, [DONE]).</summary>
    internal static class ChatCompletionsEndpoint
    {
        private static readonly string[] s_roles = { "system", "developer", "user", "assistant", "tool", "function" };

        internal static async Task HandleAsync(HttpContext context, EndpointState state, byte[] body)
        {
            JsonObject request = Json.ParseBody(body);
            string model = Json.ReqString(request, "model", "model");
            bool stream = Json.OptBool(request, "stream", "stream") ?? false;
            Fault? fault = Fault.From(context, model);
            if (fault is not null && await fault.ApplyBeforeAnswerAsync(context, state, model, stream))
            {
                return;
            }
            if (request["messages"] is not JsonArray messages)
            {
                throw request["messages"] is null ? ApiError.MissingParam("messages") : ApiError.WrongType("messages", "an array", Json.Kind(request["messages"]));
            }
            if (messages.Count == 0)
            {
                throw ApiError.Invalid("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array");
            }
            var images = new ImageResolver(state, model, refuseUrls: fault?.Find("no-image-urls") is not null);
            var texts = new List<string>();
            string? system = null;
            // Chat Completions' detail is auto, low or high (the spec); original exists in the Responses API only.
            const bool allowOriginal = false;
            for (int i = 0; i < messages.Count; i++)
            {
                string at = $"messages[{i}]";
                if (messages[i] is not JsonObject message)
                {
                    throw ApiError.WrongType(at, "an object", Json.Kind(messages[i]));
                }
                string role = Json.ReqString(message, "role", at + ".role");
                if (Array.IndexOf(s_roles, role) < 0)
                {
                    throw ApiError.Invalid(at + ".role", $"Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.");
                }
                JsonNode? content = message["content"];
                if (content is null)
                {
                    if (role == "assistant")
                    {
                        continue;
                    }
                    throw ApiError.MissingParam(at + ".content");
                }
                if (content is JsonValue)
                {
                    string text = Json.ReqString(message, "content", at + ".content");
                    Collect(role, text, texts, ref system);
                    continue;
                }
                if (content is not JsonArray parts)
                {
                    throw ApiError.WrongType(at + ".content", "a string or an array", Json.Kind(content));
                }
                if (parts.Count == 0)
                {
                    throw ApiError.Invalid(at + ".content", $"Invalid '{at}.content': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array");
                }
                for (int j = 0; j < parts.Count; j++)
                {
                    string pat = $"{at}.content[{j}]";
                    if (parts[j] is not JsonObject part)
                    {
                        throw ApiError.WrongType(pat, "an object", Json.Kind(parts[j]));
                    }
                    string type = Json.ReqString(part, "type", pat + ".type");
                    switch (type)
                    {
                        case "text":
                            Collect(role, Json.ReqString(part, "text", pat + ".text"), texts, ref system);
                            break;
                        case "image_url":
                            if (role != "user")
                            {
                                throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. Image URLs are only allowed for messages with role 'user', but this message with role '{role}' contains an image URL.");
                            }
                            if (part["image_url"] is not JsonObject imageUrl)
                            {
                                throw part["image_url"] is null ? ApiError.MissingParam(pat + ".image_url") : ApiError.WrongType(pat + ".image_url", "an object", Json.Kind(part["image_url"]));
                            }
                            string url = Json.ReqString(imageUrl, "url", pat + ".image_url.url");
                            string detail = Json.OptString(imageUrl, "detail", pat + ".image_url.detail") ?? "auto";
                            if (!ImageResolver.IsDetail(detail, allowOriginal))
                            {
                                throw ApiError.Invalid(pat + ".image_url.detail", $"Invalid value: '{detail}'. Supported values are: 'auto', 'low', and 'high'{(allowOriginal ? ", and 'original'" : "")}.");
                            }
                            images.FromUrl(url, detail, pat + ".image_url.url");
                            break;
                        case "input_audio":
                        case "file":
                            if (role != "user")
                            {
                                throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. {type} parts are only allowed for messages with role 'user'.");
                            }
                            if (type == "file")
                            {
                                images.Files.FromChatPart(part, pat);
                            }
                            break;
                        case "refusal":
                            if (role != "assistant")
                            {
                                throw ApiError.Invalid(pat + ".type", $"Invalid '{pat}'. Refusal parts are only allowed for messages with role 'assistant'.");
                            }
                            break;
                        default:
                            throw ApiError.Invalid(pat + ".type", $"Invalid value: '{type}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'.");
                    }
                }
            }
            long? maxTokens = Json.OptInteger(request, "max_completion_tokens", "max_completion_tokens") ?? Json.OptInteger(request, "max_tokens", "max_tokens");
            if (maxTokens is long max && max < 1)
            {
                throw ApiError.Invalid("max_completion_tokens", $"Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got {max} instead.", "integer_below_min_value");
            }
            if (Json.OptNumber(request, "temperature", "temperature") is double t && (t < 0 || t > 2))
            {
                throw ApiError.Invalid("temperature", $"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got {t} instead.", "decimal_above_max_value");
            }
            if (Json.OptInteger(request, "n", "n") is long n && n != 1)
            {
                throw ApiError.Invalid("n", "This endpoint answers one choice only (n = 1).");
            }
            JsonObject? schema = ResponseFormat.Check(request["response_format"], "response_format", chat: true, state.LooseSchemas);
            bool includeUsage = false;
            if (request["stream_options"] is JsonNode streamOptions)
            {
                if (!stream)
                {
                    throw ApiError.Invalid("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "invalid_value");
                }
                if (streamOptions is not JsonObject so)
                {
                    throw ApiError.WrongType("stream_options", "an object", Json.Kind(streamOptions));
                }
                includeUsage = Json.OptBool(so, "include_usage", "stream_options.include_usage") ?? false;
            }

            var answer = new Answer("chat", model, system, texts, images.Images, maxTokens, images.Files.Files, schema);
            string id = state.NewId("chatcmpl-");
            long created = EndpointState.Now;
            var usage = new JsonObject
            {
                ["prompt_tokens"] = answer.PromptTokens,
                ["completion_tokens"] = answer.CompletionTokens,
                ["total_tokens"] = answer.TotalTokens,
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0, ["image_tokens"] = answer.ImageTokensTotal },
                ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0 },
            };
            if (!stream)
            {
                var completion = new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "chat.completion",
                    ["created"] = created,
                    ["model"] = model,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer.Text, ["refusal"] = null, ["annotations"] = new JsonArray() },
                        ["logprobs"] = null,
                        ["finish_reason"] = answer.FinishReason,
                    }),
                    ["usage"] = usage,
                    ["service_tier"] = "default",
                    ["system_fingerprint"] = "fp_visionps",
                };
                await Http.WriteJsonAsync(context, 200, completion);
                return;
            }

            bool drop = fault?.Find("drop") is Fault dropFault && dropFault.Fires(state);
            int trickle = fault?.Find("trickle") is Fault trickleFault && trickleFault.Fires(state) ? trickleFault.Millis : 0;
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await Fault.KeepAliveAsync(context, fault, state);
            JsonObject Chunk(JsonObject delta, string? finish) => new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["system_fingerprint"] = "fp_visionps",
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
            };
            int sent = 0;
            async Task Send(JsonObject chunk)
            {
                if (drop && sent == 2)
                {
                    // A handler that fails after its answer started makes Kestrel close the connection once what was
                    // written has gone out, without the stream's last chunk: the client reads both events, then the
                    // end. (A pause and an Abort() raced with them: on a loaded machine the reset could come first.)
                    throw new StreamDroppedException();
                }
                if (trickle > 0 && sent > 1)
                {
                    await Task.Delay(trickle, context.RequestAborted);
                }
                await context.Response.WriteAsync("data: " + chunk.ToJsonString(Http.Options) + "\n\n", Encoding.UTF8, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                sent++;
            }
            await Send(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "", ["refusal"] = null }, null));
            const int piece = 48;
            for (int at = 0; at < answer.Text.Length; at += piece)
            {
                await Send(Chunk(new JsonObject { ["content"] = answer.Text.Substring(at, Math.Min(piece, answer.Text.Length - at)) }, null));
            }
            await Send(Chunk(new JsonObject(), answer.FinishReason));
            if (includeUsage)
            {
                await Send(new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "chat.completion.chunk",
                    ["created"] = created,
                    ["model"] = model,
                    ["system_fingerprint"] = "fp_visionps",
                    ["choices"] = new JsonArray(),
                    ["usage"] = usage,
                });
            }
            await context.Response.WriteAsync("data: [DONE]\n\n", Encoding.UTF8, context.RequestAborted);
        }

        private static void Collect(string role, string text, List<string> texts, ref string? system)
        {
            if (role is "system" or "developer")
            {
                system = system is null ? text : system + "\n" + text;
            }
            else if (role == "user")
            {
                texts.Add(text);
            }
        }
    }

    /// <summary>response_format (chat) and text.format (responses) checks.</summary>
    internal static class ResponseFormat
    {
        /// <summary>Checks the format as the service does; returns the JSON schema the answer must match, or null.</summary>
        internal static JsonObject? Check(JsonNode? node, string param, bool chat, bool loose = false)
        {
            if (node is null)
            {
                return null;
            }
            if (node is not JsonObject format)
            {
                throw ApiError.WrongType(param, "an object", Json.Kind(node));
            }
            string type = Json.ReqString(format, "type", param + ".type");
            if (type is "text" or "json_object")
            {
                return null;
            }
            if (type != "json_schema")
            {
                throw ApiError.Invalid(param + ".type", $"Invalid value: '{type}'. Supported values are: 'text', 'json_object', and 'json_schema'.");
            }
            JsonObject schemaHolder = format;
            string at = param;
            if (chat)
            {
                if (format["json_schema"] is not JsonObject js)
                {
                    throw ApiError.MissingParam(param + ".json_schema");
                }
                schemaHolder = js;
                at = param + ".json_schema";
            }
            string name = Json.ReqString(schemaHolder, "name", at + ".name");
            if (name.Length > 64)
            {
                throw ApiError.Invalid(at + ".name", $"Invalid '{at}.name': string too long. Expected a string with maximum length 64, but got a string with length {name.Length} instead.", "string_above_max_length");
            }
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-zA-Z0-9_-]+$"))
            {
                throw ApiError.Invalid(at + ".name", $"Invalid '{at}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.");
            }
            if (schemaHolder["schema"] is not JsonObject schema)
            {
                throw schemaHolder["schema"] is null ? ApiError.MissingParam(at + ".schema") : ApiError.WrongType(at + ".schema", "an object", Json.Kind(schemaHolder["schema"]));
            }
            bool strict = Json.OptBool(schemaHolder, "strict", at + ".strict") == true;
            if (strict && !loose && StrictSchema.Problem(schema) is string problem)
            {
                // The service's words and shape: chat names response_format; Responses names the schema and a code.
                throw new ApiError(400, $"Invalid schema for response_format '{name}': {problem}",
                    param: chat ? param : at + ".schema", code: chat ? null : "invalid_json_schema");
            }
            return schema;
        }
    }
}
