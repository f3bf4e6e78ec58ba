using System;
using System.Globalization;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Bounds a TimeSpan parameter, and says in words what went wrong. PowerShell converts a bare number to a
    /// TimeSpan of that many ticks (100 ns each): <c>-UnusedFor 30</c> is 3 microseconds, which would clear every
    /// cached answer, and <c>-CacheExpiry 86400</c> (seconds meant) is under a millisecond. A value under a second is
    /// such a number, so the message says how to write the span meant.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateTimeSpanAttribute : ValidateArgumentsAttribute
    {
        private readonly TimeSpan _min;
        private readonly TimeSpan _max;

        /// <summary>Allows <paramref name="minSeconds"/> up to <paramref name="maxSeconds"/> (0: no upper bound).</summary>
        public ValidateTimeSpanAttribute(double minSeconds, double maxSeconds = 0)
        {
            _min = TimeSpan.FromSeconds(minSeconds);
            _max = maxSeconds > 0 ? TimeSpan.FromSeconds(maxSeconds) : TimeSpan.MaxValue;
        }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            object value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is not TimeSpan span || (span >= _min && span <= _max))
            {
                return;
            }
            string range = _max == TimeSpan.MaxValue ? $"at least {Words(_min)}" : $"between {Words(_min)} and {Words(_max)}";
            string text = span.ToString("c", CultureInfo.InvariantCulture);
            string message = span >= TimeSpan.Zero && span < TimeSpan.FromSeconds(1)
                ? $"{text} is {span.Ticks.ToString(CultureInfo.InvariantCulture)} ticks: PowerShell reads a bare number as ticks (100 ns each), not seconds or days. "
                  + $"Give a time span such as (New-TimeSpan -Days 30), (New-TimeSpan -Hours 2) or '30.00:00:00' (days.hours:minutes:seconds); it must be {range}."
                : $"{text} is not {range}. Give a time span such as (New-TimeSpan -Days 30), (New-TimeSpan -Hours 2) or '30.00:00:00' (days.hours:minutes:seconds).";
            throw new ValidationMetadataException(message);
        }

        private static string Words(TimeSpan span)
        {
            static string Count(double n, string unit) => n.ToString("0.##", CultureInfo.InvariantCulture) + " " + unit + (n == 1 ? string.Empty : "s");
            return span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? Count(span.TotalDays, "day")
                : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? Count(span.TotalHours, "hour")
                : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? Count(span.TotalMinutes, "minute")
                : Count(span.TotalSeconds, "second");
        }
    }
}
