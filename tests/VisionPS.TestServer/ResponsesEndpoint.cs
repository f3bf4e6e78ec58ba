using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>POST /v1/responses (streamed as server-sent events with stream=true), optionally continuing a conversation.</summary>
    internal static class ResponsesEndpoint
    {
        internal static async Task HandleAsync(HttpContext context, EndpointState state, byte[] body)
        {
            JsonObject request = Json.ParseBody(body);
            string model = Json.ReqString(request, "model", "model");
            Fault? fault = Fault.From(context, model);
            if (fault is not null && await fault.ApplyBeforeAnswerAsync(context, state, model, streaming: Json.OptBool(request, "stream", "stream") == true))
            {
                return;
            }
            bool stream = Json.OptBool(request, "stream", "stream") == true;
            var images = new ImageResolver(state, model, refuseUrls: fault?.Find("no-image-urls") is not null);
            var texts = new List<string>();
            string? system = Json.OptString(request, "instructions", "instructions");
            List<JsonObject> items = InputItems.Read(request["input"], "input", images, texts, ref system, state, ImageResolver.SupportsOriginal(model));
            long? maxTokens = Json.OptInteger(request, "max_output_tokens", "max_output_tokens");
            if (maxTokens is long max && max < 16)
            {
                throw ApiError.Invalid("max_output_tokens", $"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got {max} instead.", "integer_below_min_value");
            }
            if (Json.OptNumber(request, "temperature", "temperature") is double t && (t < 0 || t > 2))
            {
                throw ApiError.Invalid("temperature", $"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got {t} instead.", "decimal_above_max_value");
            }
            JsonNode? textFormat = request["text"] is JsonObject text ? text["format"] : null;
            JsonObject? schema = ResponseFormat.Check(textFormat, "text.format", chat: false, state.LooseSchemas);
            ConversationState? conversation = null;
            if (request["conversation"] is JsonNode conv)
            {
                string? convId = conv is JsonObject co ? Json.ReqString(co, "id", "conversation.id") : Json.OptString(request, "conversation", "conversation");
                if (convId is null || !state.Conversations.TryGetValue(convId, out conversation))
                {
                    throw new ApiError(404, $"Conversation with id '{convId}' not found.", param: "conversation", code: null);
                }
            }

            var answer = new Answer("responses", model, system, texts, images.Images, maxTokens, images.Files.Files, schema);
            JsonObject output = InputItems.Message(state, "assistant", new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = answer.Text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() }));
            if (conversation is not null)
            {
                lock (conversation.Items)
                {
                    conversation.Items.AddRange(items);
                    conversation.Items.Add((JsonObject)output.DeepClone());
                }
            }
            bool complete = answer.FinishReason == "stop";
            var response = new JsonObject
            {
                ["id"] = state.NewId("resp_"),
                ["object"] = "response",
                ["created_at"] = EndpointState.Now,
                ["status"] = complete ? "completed" : "incomplete",
                ["background"] = false,
                ["error"] = null,
                ["incomplete_details"] = complete ? null : new JsonObject { ["reason"] = "max_output_tokens" },
                ["instructions"] = system,
                ["max_output_tokens"] = maxTokens,
                ["model"] = model,
                ["output"] = new JsonArray(output),
                ["parallel_tool_calls"] = true,
                ["previous_response_id"] = null,
                ["conversation"] = conversation is null ? null : new JsonObject { ["id"] = conversation.Id },
                ["reasoning"] = new JsonObject { ["effort"] = null, ["summary"] = null },
                ["store"] = true,
                ["temperature"] = Json.OptNumber(request, "temperature", "temperature") ?? 1.0,
                ["text"] = new JsonObject { ["format"] = textFormat?.DeepClone() ?? new JsonObject { ["type"] = "text" } },
                ["tool_choice"] = "auto",
                ["tools"] = new JsonArray(),
                ["top_p"] = 1.0,
                ["truncation"] = "disabled",
                ["usage"] = new JsonObject
                {
                    ["input_tokens"] = answer.PromptTokens,
                    ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["output_tokens"] = answer.CompletionTokens,
                    ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                    ["total_tokens"] = answer.TotalTokens,
                },
                ["user"] = null,
                ["metadata"] = new JsonObject(),
            };
            if (!stream)
            {
                await Http.WriteJsonAsync(context, 200, response);
                return;
            }
            await StreamAsync(context, response, output, answer.Text, fault, state);
        }

        /// <summary>
        /// The Responses API's server-sent events, as the service sends them: response.created, response.in_progress,
        /// output_item.added, content_part.added, output_text.delta (in pieces), output_text.done, content_part.done,
        /// output_item.done, response.completed (or response.incomplete) carrying the whole response with its usage.
        /// </summary>
        private static async Task StreamAsync(HttpContext context, JsonObject response, JsonObject output, string text, Fault? fault, EndpointState state)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await Fault.KeepAliveAsync(context, fault, state);
            int sequence = 0;
            async Task Send(string type, JsonObject body)
            {
                body["type"] = type;
                body["sequence_number"] = sequence++;
                await context.Response.WriteAsync($"event: {type}\ndata: {body.ToJsonString(Http.Options)}\n\n", System.Text.Encoding.UTF8, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
            JsonObject Pending()
            {
                var r = (JsonObject)response.DeepClone();
                r["status"] = "in_progress";
                r["output"] = new JsonArray();
                r["usage"] = null;
                r["incomplete_details"] = null;
                return r;
            }
            string itemId = (string)output["id"]!;
            JsonObject EmptyItem() => new JsonObject { ["type"] = "message", ["id"] = itemId, ["status"] = "in_progress", ["role"] = "assistant", ["content"] = new JsonArray() };
            JsonObject Part(string t) => new JsonObject { ["type"] = "output_text", ["text"] = t, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() };
            await Send("response.created", new JsonObject { ["response"] = Pending() });
            await Send("response.in_progress", new JsonObject { ["response"] = Pending() });
            await Send("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = EmptyItem() });
            await Send("response.content_part.added", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part("") });
            const int piece = 48;
            for (int at = 0; at < text.Length; at += piece)
            {
                await Send("response.output_text.delta", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["delta"] = text.Substring(at, Math.Min(piece, text.Length - at)), ["logprobs"] = new JsonArray() });
            }
            await Send("response.output_text.done", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray() });
            await Send("response.content_part.done", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part(text) });
            await Send("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = output.DeepClone() });
            bool complete = (string?)response["status"] == "completed";
            await Send(complete ? "response.completed" : "response.incomplete", new JsonObject { ["response"] = response.DeepClone() });
        }
    }
}
