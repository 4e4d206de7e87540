"""Stub."""

import streamlit as st

st.title("declarations_internes")
