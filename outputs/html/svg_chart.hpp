// Inline SVG charts for the HTML report: lines over time and bars by category, drawn in C++ so
// the report needs no script library, font or image from anywhere.
#pragma once

#include <string>
#include <vector>

namespace loads::outputs::html {

/// One line of a line chart.
struct Series {
    std::string name;
    std::string colour;          ///< A CSS colour.
    std::vector<double> values;  ///< One per x value; NaN where there is nothing to show.
    bool dashed = false;         ///< For a line that may lie on top of another.
};

/// Lines over time. x values are seconds since the start of the run.
struct LineChart {
    std::string id;              ///< The <svg> element's id.
    std::string title;           ///< For screen readers (the page shows its own caption).
    std::string y_label;         ///< The unit of the y axis, e.g. "ms".
    bool whole_numbers = false;  ///< y counts things: no fractional ticks.
    std::vector<double> x;
    double x_end = 0;  ///< The end of the time axis (0: the last x value).
    std::vector<Series> series;
};

/// One bar of a bar chart.
struct Bar {
    std::string label;
    double value = 0;
    std::string colour;
};

struct BarChart {
    std::string id;
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<Bar> bars;
};

/// The chart as an <svg> element that scales to its container's width. Data are drawn as
/// elements of class "data": a <polyline> per unbroken stretch of a series, a <circle> per point
/// when there are few (and always for a point with no neighbour, so a one-second run still shows
/// its value), a <rect> per bar. Points and bars carry a <title> (the browser's tooltip).
std::string render(const LineChart& chart);
std::string render(const BarChart& chart);

}  // namespace loads::outputs::html
