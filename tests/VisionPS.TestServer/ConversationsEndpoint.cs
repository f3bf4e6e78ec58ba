using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>/v1/conversations and their items (the successor of Assistants threads).</summary>
    internal static class ConversationsEndpoint
    {
        internal static async Task CreateAsync(HttpContext context, EndpointState state, byte[] body)
        {
            JsonObject request = body.Length == 0 ? new JsonObject() : Json.ParseBody(body);
            var conversation = new ConversationState { Id = state.NewId("conv_"), CreatedAt = EndpointState.Now };
            if (request["items"] is JsonNode items)
            {
                conversation.Items.AddRange(ReadItems(items, "items", state));
            }
            state.Conversations[conversation.Id] = conversation;
            await Http.WriteJsonAsync(context, 200, ToJson(conversation));
        }

        internal static Task GetAsync(HttpContext context, EndpointState state, string id)
            => Http.WriteJsonAsync(context, 200, ToJson(Find(state, id)));

        internal static Task DeleteAsync(HttpContext context, EndpointState state, string id)
        {
            Find(state, id);
            state.Conversations.TryRemove(id, out _);
            return Http.WriteJsonAsync(context, 200, new JsonObject { ["id"] = id, ["object"] = "conversation.deleted", ["deleted"] = true });
        }

        internal static async Task AddItemsAsync(HttpContext context, EndpointState state, string id, byte[] body)
        {
            ConversationState conversation = Find(state, id);
            JsonObject request = Json.ParseBody(body);
            if (request["items"] is not JsonArray items)
            {
                throw request["items"] is null ? ApiError.MissingParam("items") : ApiError.WrongType("items", "an array", Json.Kind(request["items"]));
            }
            if (items.Count == 0 || items.Count > 20)
            {
                throw ApiError.Invalid("items", "Invalid 'items': expected an array of 1 to 20 items.");
            }
            List<JsonObject> added = ReadItems(items, "items", state);
            lock (conversation.Items)
            {
                conversation.Items.AddRange(added);
            }
            await Http.WriteJsonAsync(context, 200, List(added));
        }

        internal static Task ListItemsAsync(HttpContext context, EndpointState state, string id)
        {
            ConversationState conversation = Find(state, id);
            List<JsonObject> items;
            lock (conversation.Items)
            {
                items = conversation.Items.ToList();
            }
            return Http.WriteJsonAsync(context, 200, List(items));
        }

        private static List<JsonObject> ReadItems(JsonNode items, string param, EndpointState state)
        {
            var images = new ImageResolver(state, "gpt-4.1");
            var texts = new List<string>();
            string? system = null;
            return InputItems.Read(items, param, images, texts, ref system, state, allowOriginal: true);
        }

        private static JsonObject List(List<JsonObject> items) => new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()),
            ["first_id"] = items.Count > 0 ? items[0]["id"]?.DeepClone() : null,
            ["last_id"] = items.Count > 0 ? items[^1]["id"]?.DeepClone() : null,
            ["has_more"] = false,
        };

        private static JsonObject ToJson(ConversationState c) => new JsonObject
        {
            ["id"] = c.Id,
            ["object"] = "conversation",
            ["created_at"] = c.CreatedAt,
            ["metadata"] = new JsonObject(),
        };

        private static ConversationState Find(EndpointState state, string id)
            => state.Conversations.TryGetValue(id, out ConversationState? c) ? c : throw new ApiError(404, $"Conversation with id '{id}' not found.", param: null, code: null);
    }
}
